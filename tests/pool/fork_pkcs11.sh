#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# pkcs11: fork while threads sign, 50 times (fork.inc.sh).
FE=pkcs11
. "$SE05X_SRC/tests/pool/fork.inc.sh"

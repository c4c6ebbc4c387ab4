#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# provider: fork while threads sign, 50 times (fork.inc.sh).
FE=provider
. "$SE05X_SRC/tests/pool/fork.inc.sh"

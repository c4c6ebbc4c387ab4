#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# pkcs11: a dropped link in a stream of signatures (stream.inc.sh).
FE=pkcs11
. "$SE05X_SRC/tests/pool/stream.inc.sh"

#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# engine: fork while threads sign, 50 times (fork.inc.sh).
FE=engine
. "$SE05X_SRC/tests/pool/fork.inc.sh"

#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# engine: a dropped link in a stream of signatures (stream.inc.sh).
FE=engine
. "$SE05X_SRC/tests/pool/stream.inc.sh"

#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# provider: a dropped link in a stream of signatures (stream.inc.sh).
FE=provider
. "$SE05X_SRC/tests/pool/stream.inc.sh"

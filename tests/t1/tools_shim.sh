#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The tools' crypto/objects tests and the engine tutorial, unchanged,
# over /dev/i2c-1 through the LD_PRELOAD i2c-dev shim: the exact i2c-dev
# code path of a Raspberry Pi. (tools/keys.sh checks the connection string
# printed by 'se05x info' against 127.0.0.1, so it runs over TCP only.)
exec bash "$(dirname "$0")/run_over_t1.sh" shim tools/crypto tools/objects engine/tutorial

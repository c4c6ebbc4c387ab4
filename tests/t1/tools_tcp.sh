#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The tools' integration tests (keys, crypto, objects) and the engine
# tutorial, unchanged, over raw T=1 on TCP (t1:127.0.0.1:PORT).
exec bash "$(dirname "$0")/run_over_t1.sh" tcp tools/keys tools/crypto tools/objects engine/tutorial

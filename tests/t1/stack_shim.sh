#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The library-command, engine, provider and emulator-client tests,
# unchanged, over /dev/i2c-1 through the LD_PRELOAD i2c-dev shim.
# (engine/api.sh checks error messages for 127.0.0.1:PORT: TCP only.)
exec bash "$(dirname "$0")/run_over_t1.sh" shim lib-cmds/sim_cmds engine/cli \
  provider/provider_api sim/clients

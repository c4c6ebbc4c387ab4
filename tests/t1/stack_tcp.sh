#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The library-command, engine, provider and emulator-client tests,
# unchanged, over raw T=1 on TCP (t1:127.0.0.1:PORT).
exec bash "$(dirname "$0")/run_over_t1.sh" tcp lib-cmds/sim_cmds engine/cli engine/api \
  provider/provider_api sim/clients

#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Command layer against the emulator: every command family with host-side
# checks (sim_cmds.c), once with the default ReadIDList page and once with
# one id per page to exercise paging.
. "$SE05X_HELPERS/lib.sh"
command -v se05x-sim >/dev/null || { echo "se05x-sim not built: skipped"; exit 77; }
client="$SE05X_BUILD/tests/cmds_sim_client"

sim_start a
"$client" "127.0.0.1:$SIM_PORT" || fail "command layer against the emulator"
sim_start b --idlist-page 1
"$client" "127.0.0.1:$SIM_PORT" || fail "command layer with one id per ReadIDList page"
echo "ok"

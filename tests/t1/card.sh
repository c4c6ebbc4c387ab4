#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The emulator's T=1 card side, block by block (tests/t1/t1_card.c).
. "$SE05X_HELPERS/lib.sh"
. "$(dirname "$0")/common.sh"
sim_start
"$SE05X_BUILD/tests/t1_card" "t1:127.0.0.1:$SIM_PORT" || fail "card-side T=1 checks"

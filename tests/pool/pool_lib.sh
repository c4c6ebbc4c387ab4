#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The pool's own rules (pool_lib.c) through the shared library: lazy, shared,
# retired after a link failure, idle close, fork.
. "$SE05X_HELPERS/lib.sh"
sim_start
"$SE05X_BUILD/tests/pool_lib" "127.0.0.1:$(free_port)" || fail "pool_lib"

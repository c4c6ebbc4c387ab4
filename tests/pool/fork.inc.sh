# SPDX-License-Identifier: Apache-2.0
# Fork with threads inside the front end (sourced by fork_<fe>.sh with FE
# set): 4 threads sign while the main thread forks 50 times; each child signs
# from 3 threads on its own session; nothing may hang (each child has an
# alarm) and every signature verifies, in the children and in the parent.
. "$SE05X_HELPERS/lib.sh"
. "$SE05X_SRC/tests/pool/common.sh"
pool_key
# ThreadSanitizer does not support starting threads after a multi-threaded
# fork: under it the children sign from their main thread only.
[ "${SE05X_TSAN:-0}" = 1 ] && export POOL_CHILD_THREADS=0
fe_run fork 50 "$T/pub.pem" >"$T/out" 2>"$T/fe.err" || { cat "$T/out" "$T/fe.err" >&2; fail "$FE: fork"; }
cat "$T/out"
grep -q "forks=50 failed_children=0 " "$T/out" || fail "$FE: $(cat "$T/out")"

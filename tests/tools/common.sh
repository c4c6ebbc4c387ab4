# SPDX-License-Identifier: Apache-2.0
# Helpers shared by the tools tests (sourced after tests/helpers/lib.sh).

# snapshot NAME — the full object list (reserved included) into $T/NAME.list
snapshot() { se05x list --all >"$T/$1.list" 2>/dev/null || fail "list failed"; }

# unchanged NAME what — the object list equals the snapshot NAME
unchanged() {
  se05x list --all >"$T/now.list" 2>/dev/null || fail "$2: list failed"
  cmp -s "$T/$1.list" "$T/now.list" || { diff "$T/$1.list" "$T/now.list" >&2 || true; fail "$2: the chip changed"; }
}

# bad_input "what" expected-rc needle cmd... — fails with that exit code and
# exactly one line on stderr that contains needle; nothing changes on the chip.
bad_input() {
  local what=$1 want=$2 needle=$3; shift 3
  snapshot bad
  local rc=0
  timeout 20 "$@" >"$T/out.txt" 2>"$T/err.txt" </dev/null || rc=$?
  [ "$rc" -ne 0 ] || fail "$what: succeeded: $*"
  [ "$rc" -ne 124 ] || fail "$what: hung: $*"
  [ "$want" = any ] || [ "$rc" -eq "$want" ] || { cat "$T/err.txt" >&2; fail "$what: exit $rc, expected $want: $*"; }
  local lines; lines=$(wc -l <"$T/err.txt")
  [ "$lines" -eq 1 ] || { cat "$T/err.txt" >&2; fail "$what: expected one line on stderr, got $lines"; }
  LAST_ERR=$(cat "$T/err.txt")
  assert_contains "$LAST_ERR" "$needle" "$what"
  unchanged bad "$what"
}

# pub_of FILE — the DER SubjectPublicKeyInfo (hex) of a key/ref key/public key file
pub_of() {
  if grep -q "PUBLIC KEY" "$1"; then
    openssl pkey -pubin -in "$1" -pubout -outform DER | od -An -tx1 | tr -d ' \n'
  else
    openssl pkey -in "$1" -pubout -outform DER | od -An -tx1 | tr -d ' \n'
  fi
}

#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The configuration file (docs/lib.md "Configuration file") as the three
# tools see it: a malformed file, or SE05X_CONF naming a missing file, is one
# clear line naming file:line and exit 1 — no connection attempted, never a
# fallback to /dev/i2c-1. The good line 1 of each file points at a running
# emulator, so a tool that skipped the bad line would connect and succeed.
. "$SE05X_HELPERS/lib.sh"
sim_start
GOOD="port = 127.0.0.1:$SIM_PORT"
unset EX_SSS_BOOT_SSS_PORT
C="$T/se05x.conf"
export SE05X_CONF="$C"

printf '%s\n' "$GOOD" >"$C"
se05x info >/dev/null || fail "the good file alone connects (se05x)"
seTool genECC 0x7f000011 2>/dev/null || fail "the good file alone connects (seTool)"
ssscli se05x uid | grep -q '^Unique ID' || fail "the good file alone connects (ssscli)"

# conf_case "what" "line 2 and 3 text" needle
conf_case() {
  local what=$1 text=$2 needle=$3
  printf '%s\n%b' "$GOOD" "$text" >"$C"
  for cmd in "se05x info" "seTool genECC 0x7f000010" "ssscli se05x uid"; do
    local rc=0
    timeout 20 $cmd >"$T/out.txt" 2>"$T/err.txt" </dev/null || rc=$?
    [ "$rc" -eq 1 ] || { cat "$T/err.txt" >&2; fail "$what ($cmd): exit $rc, expected 1"; }
    [ "$(wc -l <"$T/err.txt")" -eq 1 ] || { cat "$T/err.txt" >&2; fail "$what ($cmd): expected one line"; }
    assert_contains "$(cat "$T/err.txt")" "$needle" "$what ($cmd)"
    case "$(cat "$T/err.txt")" in *i2c-1*|*"cannot connect"*) fail "$what ($cmd): fell back or connected";; esac
    [ ! -s "$T/out.txt" ] || fail "$what ($cmd): printed a result"
  done
}
conf_case "unknown key" '# comment\nprot = /dev/i2c-2\n' "$C:3: unknown key 'prot' (known: port, auth, scp03_keys, scp03_kvn, pkcs11_pin_mode, pkcs11_pin_tries)"
conf_case "missing =" '\nport /dev/i2c-2\n' "$C:3: expected 'key = value', found no '='"
conf_case "unknown key without a value" 'timeout_ms =\n' "$C:2: unknown key 'timeout_ms'"
conf_case "duplicate key" 'port = /dev/i2c-2\n' "$C:2: 'port' given twice (first on line 1)"
printf 'port =   # nothing\n' >"$C.1"
printf 'port = t1:127.0.0.1:99999\n' >"$C.2"
for f in "$C.1" "$C.2"; do
  for cmd in "se05x info" "seTool genECC 0x7f000010" "ssscli se05x uid"; do
    SE05X_CONF=$f expect_fail "bad value in $f ($cmd)" $cmd
    [ "$(echo "$LAST_ERR" | wc -l)" -eq 1 ] || fail "bad value: one line"
  done
done
SE05X_CONF="$C.1" expect_fail "empty value" se05x info
assert_contains "$LAST_ERR" "$C.1:1: empty value for 'port'" "empty value message"
SE05X_CONF="$C.2" expect_fail "bad port" ssscli se05x uid
assert_contains "$LAST_ERR" "$C.2:1: port: bad connection string 't1:127.0.0.1:99999'" "bad value message"

note "SE05X_CONF naming a missing file: an error, not the default"
for cmd in "se05x info" "seTool genECC 0x7f000010" "ssscli se05x uid"; do
  SE05X_CONF="$T/missing.conf" expect_fail "missing SE05X_CONF file ($cmd)" $cmd
  assert_contains "$LAST_ERR" "SE05X_CONF names $T/missing.conf, which cannot be read: No such file or directory" \
    "missing file ($cmd)"
done
note "a file anyone may write: refused"
printf '%s\n' "$GOOD" >"$C" && chmod 0666 "$C"
expect_fail "world-writable configuration" se05x info
assert_contains "$LAST_ERR" "$C is writable by every user; refusing it" "world-writable"
chmod 0644 "$C"
note "an explicit port or EX_SSS_BOOT_SSS_PORT: the file still holds the link's SCP03 settings, so a bad one fails too"
printf 'prot = x\n' >"$C"
if out=$(se05x --port "127.0.0.1:$SIM_PORT" info 2>&1); then fail "--port with a bad file succeeded"; fi
case "$out" in *"$C:1: unknown key 'prot'"*) ;; *) fail "--port with a bad file: expected file:line in: $out" ;; esac
if out=$(EX_SSS_BOOT_SSS_PORT="127.0.0.1:$SIM_PORT" ssscli se05x uid 2>&1); then fail "environment with a bad file succeeded"; fi
case "$out" in *"$C:1: unknown key 'prot'"*) ;; *) fail "environment with a bad file: expected file:line in: $out" ;; esac
printf 'port = /dev/i2c-9\n' >"$C"
se05x --port "127.0.0.1:$SIM_PORT" info >/dev/null 2>&1 || fail "--port must win over the file's port"
note ok

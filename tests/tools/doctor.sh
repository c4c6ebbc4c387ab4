#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# se05x doctor (docs/tools.md "se05x doctor"): all good on a healthy
# emulator with the plug-ins where OpenSSL finds them; each broken setup is
# a FAIL line naming the fix and exit 1: the emulator down, a broken
# configuration file, a device node of a group the user is not in (a fake
# node in a private mount namespace, checked as `nobody`), a mender.conf
# naming a key the chip does not have.
. "$SE05X_HELPERS/lib.sh"
sim_start
export OPENSSL_ENGINES="$SE05X_LIBDIR" OPENSSL_MODULES="$SE05X_LIBDIR"
export SE05X_CONF="$T/se05x.conf"
: >"$SE05X_CONF"
P11="--pkcs11-module $SE05X_LIBDIR/libsss_pkcs11.so"

# healthy
se05x generate ec 0x7f000001 >/dev/null
seTool getRef 0x7f000001 "$T/key.ref" >/dev/null
printf '{"HttpsClient": {"Key": "%s", "SSLEngine": "e4sss"},\n "Security": {"AuthPrivateKey": "%s", "SSLEngine": "e4sss"}}\n' \
  "$T/key.ref" "$T/key.ref" >"$T/mender.conf"
se05x doctor $P11 --mender-conf "$T/mender.conf" >"$T/ok.txt" || { cat "$T/ok.txt" >&2; fail "healthy setup: doctor failed"; }
grep -q '^verdict: all good' "$T/ok.txt" || fail "no verdict line"
grep -q "^ok    chip .*applet 3\." "$T/ok.txt" || fail "chip line"
grep -q "^ok    mender auth key .*0x7F000001 exists" "$T/ok.txt" || { cat "$T/ok.txt" >&2; fail "mender key line"; }
se05x doctor $P11 --json | python3 -c '
import json, sys
d = json.load(sys.stdin)
assert d["verdict"] == "ok" and d["failures"] == 0, d
names = [c["check"] for c in d["checks"]]
for n in ("config", "port", "chip", "link", "engine", "provider", "pkcs11"):
    assert n in names, (n, names)'

# a ref key whose object is gone: FAIL naming the key and the fix
se05x delete 0x7f000001 >/dev/null
rc=0; se05x doctor $P11 --mender-conf "$T/mender.conf" >"$T/gone.txt" || rc=$?
[ "$rc" -eq 1 ] || fail "missing key: exit $rc"
grep -q "^FAIL  mender tls key .*0x7F000001 does not exist" "$T/gone.txt" || { cat "$T/gone.txt" >&2; fail "missing key line"; }
grep -q "fix: generate or import it" "$T/gone.txt" || fail "missing key: no fix"

# the emulator down
sim_stop
rc=0; se05x doctor $P11 >"$T/down.txt" || rc=$?
[ "$rc" -eq 1 ] || fail "emulator down: exit $rc"
grep -q "^FAIL  chip .*no answer on 127.0.0.1:$SIM_PORT (from \$EX_SSS_BOOT_SSS_PORT)" "$T/down.txt" ||
  { cat "$T/down.txt" >&2; fail "emulator down: chip line"; }
grep -q "fix: is the chip" "$T/down.txt" || fail "emulator down: no fix"
grep -q "^verdict: 1 problem" "$T/down.txt" || { cat "$T/down.txt" >&2; fail "emulator down: verdict"; }

# a broken configuration file: named with its line
printf 'port = 127.0.0.1:1\nprot = oops\n' >"$SE05X_CONF"
rc=0; env -u EX_SSS_BOOT_SSS_PORT se05x doctor $P11 >"$T/conf.txt" || rc=$?
[ "$rc" -eq 1 ] || fail "broken config: exit $rc"
grep -q "^FAIL  config .*$SE05X_CONF:2: unknown key 'prot'" "$T/conf.txt" || { cat "$T/conf.txt" >&2; fail "config line"; }

# a device node of another group, as an unprivileged user (root only: a
# private mount namespace with a tmpfs on /dev holding a fake node)
if [ "$(id -u)" -eq 0 ] && command -v unshare >/dev/null && unshare -m true 2>/dev/null; then
  printf 'port = /dev/i2c-7\n' >"$SE05X_CONF"
  chmod 0644 "$SE05X_CONF"
  chmod 0755 "$T"
  unshare -m bash -c "
    mount -t tmpfs -o mode=0755 none /dev
    mknod -m 0666 /dev/null c 1 3
    mknod -m 0660 /dev/i2c-7 c 1 5 && chgrp root /dev/i2c-7
    cd /; env -u EX_SSS_BOOT_SSS_PORT SE05X_CONF='$SE05X_CONF' runuser -u nobody -- '$SE05X_BIN/se05x' doctor $P11 >'$T/dev.txt' 2>&1
    echo \$? >'$T/dev.rc'" || true
  [ "$(cat "$T/dev.rc")" = 1 ] || { cat "$T/dev.txt" >&2; fail "foreign device group: exit $(cat "$T/dev.rc")"; }
  grep -q "^FAIL  device .*/dev/i2c-7 (owner 0, group root, mode 0660): cannot open it: Permission denied" "$T/dev.txt" ||
    { cat "$T/dev.txt" >&2; fail "device line"; }
  grep -q "fix: add the user to group root" "$T/dev.txt" || fail "device: no fix"
else
  note "device-group case needs root and mount namespaces; skipped here"
fi
echo ok

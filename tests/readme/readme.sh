#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Every command block of README.md, in order, against an emulator
# (tests/readme/README.md): the worked examples run as written, with the
# I2C shim standing in for /dev/i2c-1. Substitutions, and nothing else:
# /etc/ and /tmp/ -> the test's root $R, /usr/local/lib/ -> the build tree,
# port 8050 -> a free port, HOME -> the test's home. The blocks check their
# own results (the certificate's key is the chip's, the signature verifies,
# the module lists the key); any failing command fails the test.
. "$SE05X_HELPERS/lib.sh"
unset EX_SSS_BOOT_SSS_PORT SE05X_LOCK_DIR
export HOME="$T/home" R="$T/root" XDG_CONFIG_HOME="$T/home/.config"
mkdir -p "$HOME" "$R/etc/ssl" "$R/etc/se05x" "$R/tmp"
: >"$R/etc/se05x/se05x.conf"
export SE05X_CONF="$R/etc/se05x/se05x.conf"
# the install's effect: OpenSSL finds the engine and the provider
export OPENSSL_ENGINES="$SE05X_LIBDIR" OPENSSL_MODULES="$SE05X_LIBDIR"
PORT=$(free_port)
SAN_PRELOAD=
if [ "${SE05X_SANITIZE:-0}" = 1 ]; then # openssl and pkcs11-tool load our sanitized plug-ins
  SAN_PRELOAD="$(gcc -print-file-name=libasan.so):$(gcc -print-file-name=libubsan.so):"
  export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0:verify_asan_link_order=0"
fi
export PORT SAN_PRELOAD
python3 "$SE05X_SRC/tests/readme/extract.py" "$SE05X_SRC/README.md" >"$T/readme-script.sh" ||
  fail "README.md could not be turned into a script"
stop_emulators() { pkill -f -- "--state $HOME/se05x-sim" 2>/dev/null || true; }
trap 'stop_emulators; _cleanup' EXIT
# a child bash (not a subshell in an || list, where errexit would be ignored)
{ echo 'set -euo pipefail'; echo 'note() { echo "-- $*"; }'; cat "$T/readme-script.sh"; } >"$T/run.sh"
(cd "$HOME" && bash "$T/run.sh") || fail "a README command failed (see above)"
echo ok

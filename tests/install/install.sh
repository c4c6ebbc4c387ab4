#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Staged install (DESTDIR) of the build tree: every artifact lands where Debian's
# OpenSSL, p11-kit and the seeds' configuration files look for it.
. "$SE05X_HELPERS/lib.sh"
prefix=$(sed -n 's/^CMAKE_INSTALL_PREFIX:PATH=//p' "$SE05X_BUILD/CMakeCache.txt")
DESTDIR="$T/root" cmake --install "$SE05X_BUILD" >"$T/install.log" 2>&1 || { cat "$T/install.log" >&2; fail "install"; }
R="$T/root"
enginesdir=$(pkg-config --variable=enginesdir libcrypto)
modulesdir=$(pkg-config --variable=modulesdir libcrypto)
p11dir=$(pkg-config --variable=p11_module_configs p11-kit-1)
engine=1 # -DSE05X_ENGINE=OFF: no engine to install
grep -q '^SE05X_ENGINE:BOOL=OFF$' "$SE05X_BUILD/CMakeCache.txt" && engine=0
engine_files=()
[ $engine = 1 ] && engine_files=("$prefix/lib/libsss_engine.so" "$enginesdir/e4sss.so")
for f in "$prefix/bin/se05x" "$prefix/bin/se05x-sim" "$prefix/bin/seTool" "$prefix/bin/ssscli" \
         "$prefix/lib/libsss_pkcs11.so" "$prefix/lib/libse05x.so.0" "${engine_files[@]}" \
         "$prefix/include/se05x/se05x.h" "$prefix/include/se05x/version.h" "$prefix/lib/pkgconfig/se05x.pc" \
         "$modulesdir/se05x.so" "$prefix/share/se05x/p11-kit/sss_pkcs11.module" \
         /etc/se05x/se05x.conf /etc/se05x/se05x.conf.example "$prefix/lib/systemd/system/se05x-sim.service" \
         "$prefix/lib/sysusers.d/se05x-sim.conf"; do
  [ -e "$R$f" ] || [ -L "$R$f" ] || fail "not installed: $f"
done
# the seeds name these paths verbatim (default prefix /usr/local)
if [ "$prefix" = /usr/local ]; then
  [ $engine = 0 ] || [ -e "$R/usr/local/lib/libsss_engine.so" ] || fail "tutorial's dynamic_path /usr/local/lib/libsss_engine.so"
  [ -e "$R/usr/local/lib/libsss_pkcs11.so" ] || fail "blog's P11Provider /usr/local/lib/libsss_pkcs11.so"
fi
# the engine link points at the installed engine; the registration names the installed module
[ $engine = 0 ] || [ "$(readlink "$R$enginesdir/e4sss.so")" = "$prefix/lib/libsss_engine.so" ] || fail "e4sss.so link target"
grep -q "^module: *$prefix/lib/libsss_pkcs11.so" "$R$prefix/share/se05x/p11-kit/sss_pkcs11.module" || fail "p11-kit registration"
# opt-in only: not registered with p11-kit by default (SE05X_P11KIT_REGISTER=OFF)
if ! grep -q '^SE05X_P11KIT_REGISTER:BOOL=ON$' "$SE05X_BUILD/CMakeCache.txt"; then
  [ ! -e "$R$p11dir/sss_pkcs11.module" ] || fail "PKCS#11 module registered with p11-kit by default"
fi
# /etc/se05x is made; the example configuration sets no key; the unit names the installed emulator
[ -d "$R/etc/se05x" ] || fail "/etc/se05x not created"
! grep -vE '^[[:space:]]*(#|$)' "$R/etc/se05x/se05x.conf" || fail "installed se05x.conf sets a key"
grep -q "^ExecStart=$prefix/bin/se05x-sim --state /var/lib/se05x-sim " "$R$prefix/lib/systemd/system/se05x-sim.service" \
  || fail "se05x-sim.service ExecStart"
# the installed programs run (they link libse05x statically)
"$R$prefix/bin/se05x" --help >/dev/null || fail "installed se05x does not run"
# every key of the example is a key the library knows, with a valid example value:
# uncommented, the file parses (the open then fails on the absent chip/key file, not on the file)
sed 's/^#\([a-z0-9_]* = \)/\1/' "$R/etc/se05x/se05x.conf" >"$T/all-keys.conf"
[ "$(grep -cE '^[a-z0-9_]+ = ' "$T/all-keys.conf")" -ge 4 ] || fail "example keys not found"
SE05X_CONF="$T/all-keys.conf" "$R$prefix/bin/se05x" info >/dev/null 2>"$T/all-keys.err" || true
! grep -q "all-keys.conf:[0-9]" "$T/all-keys.err" || { cat "$T/all-keys.err" >&2; fail "the example configuration does not parse"; }
# every installed file is in install_manifest.txt (the engine link included) ...
man=$SE05X_BUILD/install_manifest.txt
while IFS= read -r -d '' f; do
  case "$f" in "$R/etc/se05x/se05x.conf") continue ;; esac # the admin's file, see dist/CMakeLists.txt
  grep -qxF "${f#"$R"}" "$man" || fail "installed but not in install_manifest.txt: ${f#"$R"}"
done < <(find "$R" \( -type f -o -type l \) -print0)
[ $engine = 0 ] || grep -qxF "$enginesdir/e4sss.so" "$man" || fail "e4sss.so link not in the manifest"
# ... an existing se05x.conf is kept by a second install ...
echo "port = 127.0.0.1:8050" >"$R/etc/se05x/se05x.conf"
DESTDIR="$R" cmake --install "$SE05X_BUILD" >"$T/install2.log" 2>&1 || { cat "$T/install2.log" >&2; fail "second install"; }
grep -qx "port = 127.0.0.1:8050" "$R/etc/se05x/se05x.conf" || fail "install overwrote the administrator's se05x.conf"
# ... and `uninstall` removes every file it installed, and only those
DESTDIR="$R" cmake --build "$SE05X_BUILD" --target uninstall >"$T/uninstall.log" 2>&1 || { cat "$T/uninstall.log" >&2; fail "uninstall"; }
left=$(find "$R" \( -type f -o -type l \) ! -path "$R/etc/se05x/se05x.conf")
[ -z "$left" ] || fail "left after uninstall: $left"
[ -f "$R/etc/se05x/se05x.conf" ] || fail "uninstall removed the administrator's se05x.conf"
note ok

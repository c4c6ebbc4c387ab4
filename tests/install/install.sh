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
         "$modulesdir/se05x.so" "$p11dir/sss_pkcs11.module"; do
  [ -e "$R$f" ] || [ -L "$R$f" ] || fail "not installed: $f"
done
# the seeds name these paths verbatim (default prefix /usr/local)
if [ "$prefix" = /usr/local ]; then
  [ $engine = 0 ] || [ -e "$R/usr/local/lib/libsss_engine.so" ] || fail "tutorial's dynamic_path /usr/local/lib/libsss_engine.so"
  [ -e "$R/usr/local/lib/libsss_pkcs11.so" ] || fail "blog's P11Provider /usr/local/lib/libsss_pkcs11.so"
fi
# the engine link points at the installed engine; the registration names the installed module
[ $engine = 0 ] || [ "$(readlink "$R$enginesdir/e4sss.so")" = "$prefix/lib/libsss_engine.so" ] || fail "e4sss.so link target"
grep -q "^module: *$prefix/lib/libsss_pkcs11.so" "$R$p11dir/sss_pkcs11.module" || fail "p11-kit registration"
# the installed programs run (they link libse05x statically)
"$R$prefix/bin/se05x" --help >/dev/null || fail "installed se05x does not run"
note ok

#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Builds OpenSC's p11test (the PKCS#11 conformance tester) from Debian's
# opensc source package, once, into a cache outside the build tree:
#   ${SE05X_P11TEST_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/se05x/opensc}
# Prints the path of the p11test binary on stdout (progress goes to stderr).
# Idempotent: a cached binary is reused. Enables deb-src (a copy of the
# existing deb822 sources with Types: deb-src) only if no deb-src entry exists.
set -euo pipefail
home=${HOME:-$(getent passwd "$(id -u)" | cut -d: -f6)}
cache=${SE05X_P11TEST_CACHE:-${XDG_CACHE_HOME:-$home/.cache}/se05x/opensc}
bin="$cache/p11test"
if [ -x "$bin" ] && "$bin" -h 2>&1 | grep -q 'Usage'; then
  echo "$bin"; exit 0
fi
log() { echo "build-p11test: $*" >&2; }
SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo

# 1. deb-src entries (deb822 .sources files or one-line lists)
has_src() {
  grep -qsE '^[[:space:]]*Types:.*deb-src' /etc/apt/sources.list.d/*.sources 2>/dev/null ||
    grep -qsE '^[[:space:]]*deb-src[[:space:]]' /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null
}
if ! has_src; then
  src=$(ls /etc/apt/sources.list.d/*.sources 2>/dev/null | head -n1 || true)
  if [ -n "$src" ]; then
    log "enabling deb-src (from $src)"
    sed -E 's/^Types:.*/Types: deb-src/' "$src" | $SUDO tee /etc/apt/sources.list.d/se05x-deb-src.sources >/dev/null
  elif grep -qsE '^[[:space:]]*deb[[:space:]]' /etc/apt/sources.list; then
    log "enabling deb-src (from /etc/apt/sources.list)"
    sed -nE 's/^[[:space:]]*deb[[:space:]]/deb-src /p' /etc/apt/sources.list |
      $SUDO tee /etc/apt/sources.list.d/se05x-deb-src.list >/dev/null
  else
    log "no apt sources found to derive deb-src entries from"; exit 1
  fi
  $SUDO apt-get update -qq >&2
elif ! ls /var/lib/apt/lists/*Sources* >/dev/null 2>&1; then
  $SUDO apt-get update -qq >&2
fi

# 2. build tools (the package list of scripts/deps.sh test has them; be safe)
need=()
for p in dpkg-dev autoconf automake libtool pkg-config libssl-dev libcmocka-dev libpcsclite-dev zlib1g-dev libreadline-dev; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
  log "installing ${need[*]}"
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >&2
fi

# 3. source
mkdir -p "$cache"
cd "$cache"
srcdir=$(ls -d opensc-*/ 2>/dev/null | head -n1 || true)
if [ -z "$srcdir" ] || [ ! -f "$srcdir/configure.ac" ]; then
  log "fetching opensc source into $cache"
  apt-get source -qq opensc >&2
  srcdir=$(ls -d opensc-*/ | head -n1)
fi
cd "$srcdir"

# 4. configure + build only what p11test needs
if [ ! -f config.status ]; then
  [ -x configure ] || { log "bootstrapping"; autoreconf -fi >&2; }
  log "configuring"
  ./configure -q --enable-cmocka --disable-doc --disable-man --disable-notify \
    --disable-tests --disable-pcsc >&2 || ./configure -q --enable-cmocka --disable-doc >&2
fi
log "building p11test"
make -s -C src/common >&2
make -s -C src/pkcs11 libpkcs11.la >/dev/null 2>&1 || true
make -s -C src/tests/p11test p11test >&2
install -m 0755 src/tests/p11test/p11test "$bin"
echo "$bin"

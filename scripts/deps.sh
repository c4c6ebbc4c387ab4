#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Installs every Debian package the build, the demo and the tests need.
# Idempotent: packages already present are skipped; uses sudo only when not root.
# Usage: scripts/deps.sh [build|demo|test|pkg]   (default: test = everything)
set -euo pipefail
what=${1:-test}

build_pkgs=(build-essential cmake pkg-config libssl-dev openssl libcmocka-dev libp11-kit-dev ca-certificates scdoc)
# the clang pass and the fuzz stage: clang and its runtime (libFuzzer, ASan, UBSan)
clang_pkgs=(clang libclang-rt-dev)
demo_pkgs=(mender-client curl python3 python3-cryptography)
test_pkgs=(curl opensc p11-kit gnutls-bin mender-client python3-awscrt mosquitto
           openjdk-17-jdk-headless python3 python3-cryptography procps psmisc
           dpkg-dev autoconf automake libtool libpcsclite-dev zlib1g-dev libreadline-dev
           abigail-tools g++ strace)  # abigail-tools: tests/abi (abidiff); g++: the C++ header test; strace: tests/pool/conf_once.sh
# scripts/pkgtest: the Debian package build and the clean Debian 12 root; man-db: tests/man
pkg_pkgs=(debhelper fakeroot debootstrap man-db)

case "$what" in
  build) pkgs=("${build_pkgs[@]}") ;;
  demo)  pkgs=("${build_pkgs[@]}" "${demo_pkgs[@]}") ;;
  test)  pkgs=("${build_pkgs[@]}" "${demo_pkgs[@]}" "${test_pkgs[@]}" "${clang_pkgs[@]}" "${pkg_pkgs[@]}") ;;
  pkg)   pkgs=("${build_pkgs[@]}" "${pkg_pkgs[@]}") ;;
  *) echo "usage: $0 [build|demo|test|pkg]" >&2; exit 2 ;;
esac

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo
echo "deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null

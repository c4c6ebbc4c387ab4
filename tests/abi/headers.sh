#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The public headers without OpenSSL: the umbrella <se05x/se05x.h> (and each
# public header but ossl.h, alone) compiles as strict C11 and pulls in no
# OpenSSL header, even though libssl-dev is installed (the dependency list of
# the preprocessor is checked, not just the include path).
# Usage: headers.sh CC SRC_INCLUDE GEN_INCLUDE
set -euo pipefail
cc=$1 inc=$2 gen=$3
here=$(cd "$(dirname "$0")" && pwd)
T=$(mktemp -d "${TMPDIR:-/tmp}/se05x-abi.XXXXXX")
trap 'rm -rf "$T"' EXIT
flags=(-std=c11 -pedantic-errors -Wall -Wextra -Werror -I "$inc" -I "$gen")
fail() { echo "FAIL: $*" >&2; exit 1; }

check() { # check <source> <what>
  "$cc" "${flags[@]}" -M "$1" >"$T/deps" || fail "$2: preprocessing failed"
  if grep -o '[^ ]*openssl/[^ ]*' "$T/deps" >"$T/ossl"; then
    fail "$2 includes OpenSSL headers: $(head -3 "$T/ossl" | tr '\n' ' ')"
  fi
  "$cc" "${flags[@]}" -c "$1" -o "$T/out.o" || fail "$2 does not compile as C11"
}

check "$here/umbrella.c" "<se05x/se05x.h>"
n=0
for h in "$inc"/se05x/*.h "$gen"/se05x/*.h; do
  b=$(basename "$h")
  [ "$b" = ossl.h ] && continue
  printf '#include <se05x/%s>\nint se05x_abi_dummy;\n' "$b" >"$T/one.c"
  check "$T/one.c" "<se05x/$b> alone"
  n=$((n + 1))
done
[ "$n" -ge 8 ] || fail "only $n public headers found"
# ossl.h is the one that needs OpenSSL (the check above must see it does)
printf '#include <se05x/ossl.h>\n' >"$T/ossl.c"
"$cc" "${flags[@]}" -M "$T/ossl.c" | grep -q 'openssl/evp.h' || fail "<se05x/ossl.h> no longer includes <openssl/evp.h>?"
echo "ok: umbrella and $n headers compile as C11 without any OpenSSL header"

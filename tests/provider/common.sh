# SPDX-License-Identifier: Apache-2.0
# Shared by the provider tests (source after $SE05X_HELPERS/lib.sh).
# The provider module from the build tree: $SE05X_LIBDIR/se05x.so.
PROV_SO="$SE05X_LIBDIR/se05x.so"
[ -f "$PROV_SO" ] || fail "provider not built: $PROV_SO"
export OPENSSL_MODULES="$SE05X_LIBDIR"
# The issue's command-line form: our provider first, then default.
P=(-provider se05x -provider default)

# ossl ARGS... — openssl with the sanitizer runtime when our module is sanitized
ossl() { with_asan_preload openssl "$@"; }

# write_prov_cnf FILE [first] [extra lines for the se05x section...]
# A provider-only openssl.cnf (no engine): se05x and default, in this order
# unless first=default.
write_prov_cnf() {
  local f=$1 first=${2:-se05x}; shift 2 || shift $#
  {
    echo "openssl_conf = openssl_init"
    echo "[openssl_init]"
    echo "providers = provider_sect"
    echo "[provider_sect]"
    if [ "$first" = default ]; then echo "default = default_sect"; echo "se05x = se05x_sect";
    else echo "se05x = se05x_sect"; echo "default = default_sect"; fi
    echo "[se05x_sect]"
    echo "module = $PROV_SO"
    echo "activate = 1"
    local l; for l in "$@"; do echo "$l"; done
    echo "[default_sect]"
    echo "activate = 1"
  } >"$f"
}

# same_pubkey A.pem B.pem — both files hold the same public key (plain openssl)
same_pubkey() {
  [ "$(openssl pkey -pubin -in "$1" -outform DER 2>/dev/null | sha256sum)" = \
    "$(openssl pkey -pubin -in "$2" -outform DER 2>/dev/null | sha256sum)" ]
}

# A software TLS server key pair for localhost.
make_server_cert() {
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
    -keyout "$T/srv.key" -out "$T/srv.crt" -subj /CN=localhost \
    -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" 2>/dev/null
}

# wait_accept LOG — until openssl s_server writing to LOG is listening
wait_accept() {
  local i
  for i in $(seq 1 200); do
    grep -q '^ACCEPT' "$1" 2>/dev/null && return 0
    sleep 0.05
  done
  return 1
}

# start_https_server NAME [server args...] — the Mender test server of the
# engine issue (tests/mender/mender_server.py) on a free port; sets HTTPS_PORT.
start_https_server() {
  local name=$1; shift
  rm -f "$T/$name.port"
  bg python3 "$SE05X_SRC/tests/mender/mender_server.py" --port 0 --port-file "$T/$name.port" \
    --cert "$T/srv.crt" --key "$T/srv.key" --log "$T/$name.jsonl" "$@" 2>"$T/$name.err"
  local i
  for i in $(seq 1 100); do [ -s "$T/$name.port" ] && break; sleep 0.05; done
  [ -s "$T/$name.port" ] || { cat "$T/$name.err" >&2; fail "test server $name did not start"; }
  HTTPS_PORT=$(cat "$T/$name.port")
  : >>"$T/$name.jsonl"
}

# start_spy NAME — a TCP listener that records every connection attempt in
# $T/NAME.hits; sets SPY_PORT. Used as the "chip" port to prove that a
# process never tried to open the chip.
start_spy() {
  local name=$1
  rm -f "$T/$name.port"; : >"$T/$name.hits"
  bg python3 -c '
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", 0)); s.listen(16)
open(sys.argv[1], "w").write(str(s.getsockname()[1]))
while True:
    c, _ = s.accept()
    with open(sys.argv[2], "a") as f: f.write("hit\n")
    c.close()
' "$T/$name.port" "$T/$name.hits"
  local i
  for i in $(seq 1 100); do [ -s "$T/$name.port" ] && break; sleep 0.05; done
  [ -s "$T/$name.port" ] || fail "spy listener did not start"
  SPY_PORT=$(cat "$T/$name.port")
}

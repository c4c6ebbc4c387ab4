# SPDX-License-Identifier: Apache-2.0
# Shared by the engine and Mender tests (source after $SE05X_HELPERS/lib.sh).
# The engine from the build tree: e4sss.so next to libsss_engine.so.
ENGINE_SO="$SE05X_LIBDIR/libsss_engine.so"
[ -f "$ENGINE_SO" ] || fail "engine not built: $ENGINE_SO"
export OPENSSL_ENGINES="$SE05X_LIBDIR"
export SE05X_TESTS_DIR="$SE05X_BUILD/tests"

# ASAN_ENV: env(1) assignments with_asan_preload would make, for programs
# started with `bg env "${ASAN_ENV[@]}" prog ...` (so $! is the program itself)
ASAN_ENV=()
if [ "${SE05X_SANITIZE:-0}" = 1 ]; then
  ASAN_ENV=("LD_PRELOAD=$(gcc -print-file-name=libasan.so):$(gcc -print-file-name=libubsan.so)"
            "ASAN_OPTIONS=detect_leaks=0")
fi

# write_tutorial_cnf FILE [default_algorithms]
# The tutorial's "Configure OpenSSL" steps, verbatim, on a copy of the system
# openssl.cnf: openssl_conf = nxp_engine, then the engine sections appended.
write_tutorial_cnf() {
  local out=$1 algs=${2:-RSA,RAND,EC}
  local sys
  sys="$(openssl version -d | sed 's/^OPENSSLDIR: "\(.*\)"$/\1/')/openssl.cnf"
  if grep -q '^[[:space:]]*openssl_conf[[:space:]]*=' "$sys"; then
    sed 's/^[[:space:]]*openssl_conf[[:space:]]*=.*/openssl_conf = nxp_engine/' "$sys" >"$out"
  else
    { echo "openssl_conf = nxp_engine"; cat "$sys"; } >"$out"
  fi
  cat >>"$out" <<EOF2

[nxp_engine]
engines = engine_section

[ engine_section ]
e4sss_se050 = e4sss_se050_section

[ e4sss_se050_section ]
dynamic_path = $ENGINE_SO
engine_id = e4sss
init = 1
default_algorithms = $algs
EOF2
}

# same_pubkey A.pem B.pem — both files hold the same public key
same_pubkey() {
  [ "$(openssl pkey -pubin -in "$1" -outform DER 2>/dev/null | sha256sum)" = \
    "$(openssl pkey -pubin -in "$2" -outform DER 2>/dev/null | sha256sum)" ]
}

# cert_verifies_with CERT PUB — the certificate's self-signature verifies with
# PUB and the certificate carries PUB.
cert_verifies_with() {
  local cert=$1 pub=$2
  openssl x509 -in "$cert" -noout -pubkey >"$T/cert.pub" || return 1
  same_pubkey "$T/cert.pub" "$pub" || return 1
  openssl verify -check_ss_sig -CAfile "$cert" "$cert" >/dev/null 2>&1
}

# A TLS server key pair for localhost (software).
make_server_cert() {
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
    -keyout "$T/srv.key" -out "$T/srv.crt" -subj /CN=localhost \
    -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" 2>/dev/null
}

# start_https_server NAME [server args...] — the Mender test server
# (tests/mender/mender_server.py) on a free port; sets HTTPS_PORT.
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

# wait_accept LOG — until `openssl s_server -accept 127.0.0.1:0` writing to
# LOG listens; sets S_SERVER_PORT from its "ACCEPT 127.0.0.1:PORT" line (no
# race for a free port, no probe connection eating its -naccept budget).
wait_accept() {
  local i line
  for i in $(seq 1 200); do
    line=$(grep -m1 '^ACCEPT ' "$1" 2>/dev/null || true)
    if [ -n "$line" ]; then
      S_SERVER_PORT=${line##*:}
      return 0
    fi
    sleep 0.05
  done
  return 1
}

# write_both_cnf FILE — the tutorial's openssl.cnf (engine section) with our
# provider and the default provider activated as well, as on a system where
# the provider is installed system-wide (issue 11). Needs $SE05X_LIBDIR/se05x.so.
write_both_cnf() {
  local out=$1
  [ -f "$SE05X_LIBDIR/se05x.so" ] || fail "provider not built: $SE05X_LIBDIR/se05x.so"
  export OPENSSL_MODULES="$SE05X_LIBDIR"
  write_tutorial_cnf "$out"
  sed -i 's/^engines = engine_section$/&\nproviders = e4sss_prov_sect/' "$out"
  cat >>"$out" <<EOF2

[ e4sss_prov_sect ]
se05x = e4sss_se05x_sect
default = e4sss_default_sect

[ e4sss_se05x_sect ]
module = $SE05X_LIBDIR/se05x.so
activate = 1

[ e4sss_default_sect ]
activate = 1
EOF2
}

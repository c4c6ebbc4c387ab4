# SPDX-License-Identifier: Apache-2.0
# Shared by the SCP03 integration tests (source after $SE05X_HELPERS/lib.sh).

# scp_keys FILE — a fresh random AES-128 key set in NXP's format, mode 0600
scp_keys() {
  { echo "# SCP03 test keys"
    echo "ENC $(openssl rand -hex 16)"
    echo "MAC $(openssl rand -hex 16)"
    echo "DEK $(openssl rand -hex 16)"; } >"$1"
  chmod 600 "$1"
}

# t cmd... — bounded run (a hang fails the test instead of blocking it); the
# sanitizer runtime is preloaded for programs we did not build (openssl,
# pkcs11-tool) when the build is sanitized.
t() {
  case "$1" in
    openssl|pkcs11-tool)
      if [ "${SE05X_SANITIZE:-0}" = 1 ]; then
        LD_PRELOAD="$(gcc -print-file-name=libasan.so):$(gcc -print-file-name=libubsan.so)" \
          ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" timeout 60 "$@"
        return
      fi ;;
  esac
  timeout 60 "$@"
}

# proxy_start MODE [NTH [MIN_LEN [INS]]] — scp_proxy.py in front of the emulator
# ($SIM_PORT); sets PROXY (HOST:PORT) and PROXY_LOG
proxy_start() {
  local mode=$1 nth=${2:-1} minlen=${3:-0} ins=${4:-50}
  PROXY_LOG="$T/wire-$mode.log"
  rm -f "$T/proxy.port" "$PROXY_LOG"
  bg python3 "$SE05X_SRC/tests/scp03/scp_proxy.py" --target "127.0.0.1:$SIM_PORT" \
    --port-file "$T/proxy.port" --log "$PROXY_LOG" --mode "$mode" --nth "$nth" --min-len "$minlen" --ins "$ins"
  local i
  for i in $(seq 1 200); do [ -s "$T/proxy.port" ] && break; sleep 0.05; done
  [ -s "$T/proxy.port" ] || fail "proxy did not start"
  PROXY="127.0.0.1:$(cat "$T/proxy.port")"
}

# SPDX-License-Identifier: Apache-2.0
# Helpers to run the real Mender client in tests (source after lib.sh).
# Mender 3.4 reads its identity script from the fixed path
# /usr/share/mender/identity/mender-device-identity; tests provide their own
# in a private mount namespace (unshare -m), never touching the system.

mender_prereqs() { # exits 77 (skip) with a reason when Mender cannot run here
  command -v mender >/dev/null || { echo "SKIP: mender (Debian mender-client) not installed"; exit 77; }
  mkdir -p "$T/identity"
  printf '#!/bin/sh\necho mac=02:00:00:00:05:05\n' >"$T/identity/mender-device-identity"
  chmod +x "$T/identity/mender-device-identity"
  if unshare -m --propagation private true 2>/dev/null && [ -d /usr/share/mender/identity ]; then
    MENDER_NS=1
  elif [ -x /usr/share/mender/identity/mender-device-identity ]; then
    MENDER_NS=0
  else
    echo "SKIP: cannot provide Mender's identity script (no mount namespace, none installed)"
    exit 77
  fi
  if [ "${SE05X_SANITIZE:-0}" = 1 ] && ! with_asan_preload mender --version >/dev/null 2>&1; then
    echo "SKIP: the Go runtime of mender does not run under the ASan preload"
    exit 77
  fi
}

# write_mender_conf FILE SERVER_PORT CERT KEY [SSLENGINE]
write_mender_conf() {
  local f=$1 port=$2 cert=$3 key=$4 engine=${5:-}
  cat >"$f" <<EOF2
{
  "ServerURL": "https://localhost:$port",
  "ServerCertificate": "$T/srv.crt",
  "TenantToken": "",
  "HttpsClient": {
    "Certificate": "$cert",
    "Key": "$key"${engine:+,
    \"SSLEngine\": \"$engine\"}
  }
}
EOF2
}

# run_mender CONF DATADIR [VAR=value ...] — mender bootstrap; output in $T/mender.log
run_mender() {
  local conf=$1 data=$2; shift 2
  local pre=()
  if [ "${SE05X_SANITIZE:-0}" = 1 ]; then
    pre=("LD_PRELOAD=$(gcc -print-file-name=libasan.so):$(gcc -print-file-name=libubsan.so)"
         "ASAN_OPTIONS=detect_leaks=0")
  fi
  local cmd=(env "$@" "${pre[@]}" mender --config "$conf" --fallback-config "$T/none.conf"
             --data "$data" --no-syslog --log-level info bootstrap)
  if [ "$MENDER_NS" = 1 ]; then
    unshare -m --propagation private sh -c \
      'mount --bind "$1" /usr/share/mender/identity && shift && exec "$@"' \
      sh "$T/identity" "${cmd[@]}" >"$T/mender.log" 2>&1
  else
    "${cmd[@]}" >"$T/mender.log" 2>&1
  fi
}

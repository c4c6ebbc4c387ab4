. "$SE05X_HELPERS/lib.sh"
. "$SE05X_SRC/tests/pool/common.sh"
pool_key --stats "$T/stats.jsonl"
for FE in engine provider pkcs11; do
  before=$(wc -l <"$T/stats.jsonl")
  fe_run cold "$T/pub.pem" || fail cold
  for i in $(seq 1 100); do [ "$(wc -l <"$T/stats.jsonl")" -gt "$before" ] && break; sleep 0.05; done
  echo "$FE: $(tail -1 "$T/stats.jsonl")"
done

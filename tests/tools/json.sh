#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# --json of se05x info and list: valid JSON, the same facts as the text output.
. "$SE05X_HELPERS/lib.sh"
sim_start
se05x generate ec 0x7f000041 --curve P-384 >/dev/null
se05x generate rsa 0x7f000042 --bits 2048 >/dev/null
printf 'hello' >"$T/blob"
se05x write 0x7f000043 "$T/blob" >/dev/null
se05x list --json >"$T/list.json"
se05x info --json >"$T/info.json"
python3 - "$T/list.json" "$T/info.json" "$SIM_PORT" <<'PY'
import json, sys
objs = json.load(open(sys.argv[1]))
info = json.load(open(sys.argv[2]))
by = {o["id"]: o for o in objs}
assert set(by) == {"0x7F000041", "0x7F000042", "0x7F000043"}, by
assert by["0x7F000041"]["curve"].startswith("P-"), by["0x7F000041"]
assert by["0x7F000042"]["bits"] == 2048, by["0x7F000042"]
assert by["0x7F000043"]["size"] == 5, by["0x7F000043"]
assert all(o["reserved"] is False for o in objs)
assert info["connection"] == "127.0.0.1:" + sys.argv[3], info
assert info["link"] == "plain"
assert len(info["uid"]) == 36 and info["uid"] == info["uid"].lower() and len(info["certuid"]) == 20
assert info["rsa"] is True
assert info["reserved_auth_objects"] == {"transport": "absent", "factory_reset": "absent"}
PY
# the text and JSON outputs agree on the UID
uid=$(se05x info 2>/dev/null | sed -n "s/^UID: *//p")
[ "$uid" = "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["uid"])' "$T/info.json")" ] || fail "UID differs"
# --all adds the reserved objects
se05x list --all --json | python3 -c 'import json,sys; o=json.load(sys.stdin); assert any(x["reserved"] for x in o), o'
echo ok

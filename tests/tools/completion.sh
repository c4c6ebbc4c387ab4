#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# bash completion (tools/completion/se05x.bash) offers what the programs'
# --help lists: every se05x subcommand, a subcommand's options, global
# options, seTool's verbs and ssscli's commands.
. "$SE05X_HELPERS/lib.sh"
. "$SE05X_SRC/tools/completion/se05x.bash"

complete_words() { # words... (the last one is being completed)
  COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMPREPLY=()
  local f; f=$(complete -p "$1" | sed 's/.*-F \([^ ]*\) .*/\1/')
  "$f"
  printf '%s\n' "${COMPREPLY[@]}"
}

subs=$(se05x --help | sed -n '/^Subcommands:/,/^$/s/^  \([a-z0-9-]*\) .*/\1/p')
[ "$(wc -w <<<"$subs")" -ge 15 ] || fail "too few subcommands in se05x --help: $subs"
got=$(complete_words se05x "")
for s in $subs; do grep -qx "$s" <<<"$got" || fail "se05x subcommand $s not offered"; done
grep -qx doctor <<<"$got" || fail "doctor not offered"
got=$(complete_words se05x --port 127.0.0.1:1 "")
grep -qx info <<<"$got" || fail "subcommands after --port X"
got=$(complete_words se05x doctor --)
for o in --json --mender-conf --greengrass-config --port --verbose; do
  grep -qx -- "$o" <<<"$got" || fail "doctor option $o not offered: $got"
done
got=$(complete_words se05x generate --c)
grep -qx -- --curve <<<"$got" || fail "generate --curve not offered"
got=$(complete_words seTool "")
for v in genECC setECC getPublic getRef; do grep -qx "$v" <<<"$got" || fail "seTool $v"; done
got=$(complete_words ssscli "")
for c in connect disconnect se05x set get generate erase refpem sign verify policy; do
  grep -qx "$c" <<<"$got" || fail "ssscli $c not offered: $got"
done
got=$(complete_words ssscli sign 0x1 in sig --hash)
grep -qx -- --hashalgo <<<"$got" || fail "ssscli --hashalgo"
echo ok

# SPDX-License-Identifier: Apache-2.0
# scripts/house-check on this repository, then both scripts on a small broken
# tree: the check must name every offender, house-fix must repair what is
# mechanical (and change nothing when run again), the check must then name only
# what house-fix cannot repair (a section that does not exist, a pointer at the seeds).
. "$SE05X_HELPERS/lib.sh"
S=$SE05X_SRC

echo "== this repository"
"$S/scripts/house-check" "$S" || fail "house-check fails on the repository (offenders above)"

echo "== a broken tree"
R=$T/repo
# The outside folder's name is assembled, so that this file does not itself
# point outside the repository.
O=sh
O+=ared
mkdir -p "$R/docs/protocol" "$R/lib" "$R/scripts"
git -C "$R" init -q
printf '## 1. Applet selection\n### 3.3 Lc/Le\n' >"$R/docs/protocol/apdu.md"
printf "## A. Applet behaviour\n" >"$R/docs/protocol/open-questions.md"
printf "## 1. Where SCP03 appears\n" >"$R/docs/protocol/scp03.md"
mkdir -p "$R/tools/a"
printf 'See [apdu.md](apdu.md).\n' >"$R/docs/links.md"
printf 'See [the spec](../../%s/spec/scp03.md).\n' "$O" >"$R/tools/a/README.md"
printf 'int a;\n' >"$R/lib/nospdx.c"
printf '#!/bin/sh\necho hi\n' >"$R/scripts/tool"
printf '/* SPDX-License-Identifier: Apache-2.0 */\n/* see ../%s/spec/apdu.md §3.3 */\n' "$O" >"$R/lib/external.c"
printf '/* SPDX-License-Identifier: Apache-2.0 */\n/* the flow of %s/seeds/x.txt */\n' "$O" >"$R/lib/seeds.c"
printf '/* SPDX-License-Identifier: Apache-2.0 */\n/* as de%s.md says; open-questions A6 */\n' sign >"$R/lib/design.h"
printf 'Lc forms: apdu.md §1, `docs/protocol/apdu.md` §99.\n' >"$R/docs/notes.md"
printf '/* SPDX-License-Identifier: Apache-2.0 */\n/* docs/protocol/nothere.md §1 */\n' >"$R/lib/missing.c"

if "$S/scripts/house-check" "$R" >"$T/check1.out" 2>&1; then
  cat "$T/check1.out"; fail "house-check passed a broken tree"
fi
for want in 'LICENSE: missing' 'lib/nospdx.c:1: no SPDX' 'scripts/tool:1: no SPDX' \
  'lib/external.c:2:.*points outside' 'lib/seeds.c:2:.*points outside' 'lib/design.h:2:.*points outside' \
  'lib/design.h:2:.*bare spec file name' 'docs/notes.md:1:.*bare spec file name' \
  'docs/links.md:1:.*bare spec file name' 'tools/a/README.md:1:.*points outside' \
  'docs/notes.md:1: docs/protocol/apdu.md has no section §99' \
  'lib/missing.c:2: docs/protocol/nothere.md does not exist'; do
  grep -q -- "$want" "$T/check1.out" || { cat "$T/check1.out"; fail "house-check did not report: $want"; }
done

"$S/scripts/house-fix" "$R" >"$T/fix1.out"
[ -z "$("$S/scripts/house-fix" "$R")" ] || fail "house-fix is not idempotent"
head -n 1 "$R/lib/nospdx.c" | grep -qx '/\* SPDX-License-Identifier: Apache-2.0 \*/' || fail "no SPDX line in C"
sed -n 2p "$R/scripts/tool" | grep -qx '# SPDX-License-Identifier: Apache-2.0' || fail "SPDX not after the shebang"
grep -q 'see docs/protocol/apdu.md §3.3' "$R/lib/external.c" || fail "external spec path not rewritten"
grep -q 'as docs/architecture.md says; docs/protocol/open-questions.md A6' "$R/lib/design.h" ||
  fail "design sketch / open-questions not rewritten"
grep -q '^Lc forms: docs/protocol/apdu.md §1,' "$R/docs/notes.md" || fail "bare apdu.md not rewritten"
grep -qF 'See [docs/protocol/apdu.md](../docs/protocol/apdu.md).' "$R/docs/links.md" ||
  { cat "$R/docs/links.md"; fail "markdown link in docs/ not made relative"; }
grep -qF 'See [the spec](../../docs/protocol/scp03.md).' "$R/tools/a/README.md" ||
  { cat "$R/tools/a/README.md"; fail "markdown link two levels down not made relative"; }

: >"$R/LICENSE"
"$S/scripts/house-check" "$R" >"$T/check2.out" 2>&1 && fail "house-check passed a missing section"
# house-fix has nothing to put in place of the seeds: that one stays for a human.
[ "$(grep -vc '^house-check:' "$T/check2.out")" = 3 ] || { cat "$T/check2.out"; fail "expected exactly three offenders left"; }
grep -q '§99' "$T/check2.out" && grep -q 'nothere.md does not exist' "$T/check2.out" &&
  grep -q 'lib/seeds.c:2:.*points outside' "$T/check2.out" ||
  { cat "$T/check2.out"; fail "wrong offenders left"; }
echo "house: ok"

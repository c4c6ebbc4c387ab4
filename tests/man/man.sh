#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The man pages render, and never disagree with --help about the options.
. "$SE05X_HELPERS/lib.sh"
mandir="$SE05X_BUILD/docs/man"
command -v man >/dev/null || { echo "SKIP: man (man-db) not installed"; exit 77; }
pages=("$mandir"/*.[1-8])
[ -e "${pages[0]}" ] || { echo "SKIP: no man pages built (SE05X_MAN=OFF: scdoc not found)"; exit 77; }

# Every .scd is built.
for src in "$SE05X_SRC"/docs/man/*.scd; do
  p=$(basename "$src" .scd)
  [ -s "$mandir/$p" ] || fail "docs/man/$p.scd was not built into $mandir/$p"
done

# Rendered as plain ASCII on one long line per paragraph: no hyphenation
# splits an option name.
render() { LC_ALL=C MANWIDTH=2000 MANROFFOPT=-rHY=0 man --warnings -l "$1" 2>"$T/warn" | col -bx; }

# Option names in a text: --long (- and _ are the same in ssscli: shown with -)
# and -x short options standing alone.
opts() {
  sed "s/[][|(),=<>\"\`';:.]/ /g" | tr -s ' \t' '\n\n' |
    grep -E -- '^(--[A-Za-z0-9][A-Za-z0-9_-]*|-[A-Za-z])$' | tr _ - | sort -u
}

for page in "${pages[@]}"; do
  name=$(basename "$page")
  render "$page" >"$T/$name.txt" || fail "man -l $name failed"
  [ -s "$T/$name.txt" ] || fail "man -l $name printed nothing"
  if [ -s "$T/warn" ]; then cat "$T/warn" >&2; fail "man -l $name: warnings"; fi
  grep -q '^NAME' "$T/$name.txt" || fail "$name has no NAME section"
  case "$name" in *.1|*.8) ;; *) continue ;; esac
  prog=${name%.[18]}
  [ -x "$SE05X_BIN/$prog" ] || fail "$name documents $prog, which the build does not have"
  # the help text of the program (se05x: also every subcommand's)
  "$SE05X_BIN/$prog" --help >"$T/$prog.help" 2>&1 || fail "$prog --help failed"
  if [ "$prog" = se05x ]; then
    for sub in $(sed -n '/^Subcommands:/,/^$/s/^  \([a-z0-9-]*\) .*/\1/p' "$T/$prog.help"); do
      "$SE05X_BIN/se05x" "$sub" --help >>"$T/$prog.help" 2>&1 || fail "se05x $sub --help failed"
    done
  fi
  "$SE05X_BIN/$prog" --version | grep -qE "^$prog [0-9]" || fail "$prog --version"
  opts <"$T/$prog.help" >"$T/$prog.help.opts"
  opts <"$T/$name.txt" >"$T/$prog.man.opts"
  [ -s "$T/$prog.help.opts" ] || fail "no option found in $prog --help"
  if ! diff -u --label "$prog --help" --label "man $name" "$T/$prog.help.opts" "$T/$prog.man.opts" >"$T/$prog.diff"; then
    cat "$T/$prog.diff" >&2
    fail "$prog: --help and the man page list different options (- only in --help, + only in the page)"
  fi
  note "$name: renders, $(wc -l <"$T/$prog.help.opts") options agree with --help"
done
note ok

#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Output files of se05x and seTool (tools/common/outfile.c) and SE05X_LOG_FILE:
# a symbolic link at the path is refused and its target unchanged, a failure
# mid-way leaves no file (and the old file intact), no temporary file is left,
# modes are 0644 for public material and 0600 for binary objects and random
# bytes, an existing file's mode is never widened.
. "$SE05X_HELPERS/lib.sh"
. "$(dirname "$0")/common.sh"
sim_start
se05x generate ec 0x7f000001 >/dev/null
head -c 3000 /dev/urandom >"$T/big.bin"
se05x write 0x20000002 "$T/big.bin" >/dev/null
echo "message" >"$T/msg"
cd "$T"

# no_tmp — no temporary file left anywhere in $T
no_tmp() { ! ls -A "$T" | grep -q '\.tmp$' || fail "$1: a temporary file was left: $(ls -A "$T")"; }

note "a symbolic link at the output path: refused, its target unchanged"
echo precious >"$T/victim"
for cmd in "public 0x7f000001 -o" "refkey 0x7f000001 -o" "read 0x20000002 -o" "random 16 -o" \
  "csr 0x7f000001 --subj /CN=x -o" "sign 0x7f000001 -i $T/msg -o"; do
  ln -sf "$T/victim" "$T/out.pem"
  bad_input "se05x $cmd into a symlink" 1 "cannot write $T/out.pem: is a symbolic link (refused)" \
    se05x $cmd "$T/out.pem"
  [ "$(cat "$T/victim")" = precious ] || fail "se05x $cmd wrote through a symlink"
  [ -L "$T/out.pem" ] || fail "se05x $cmd replaced the symlink"
done
for cmd in getRef getPublic getECCRef; do
  ln -sf "$T/victim" "$T/out.pem"
  bad_input "seTool $cmd into a symlink" 1 "cannot write $T/out.pem: is a symbolic link (refused)" \
    seTool $cmd 0x7f000001 "$T/out.pem"
  [ "$(cat "$T/victim")" = precious ] || fail "seTool $cmd wrote through a symlink"
done
# a relative path and a dangling link (O_CREAT would create its target)
ln -sf "$T/created-through-link" dangling.pem
bad_input "dangling symlink (relative path)" 1 "cannot write dangling.pem: is a symbolic link" \
  se05x public 0x7f000001 -o dangling.pem
[ ! -e "$T/created-through-link" ] || fail "a dangling symlink's target was created"
mkdir "$T/adir"
bad_input "a directory as output" 1 "cannot write $T/adir: Is a directory" se05x public 0x7f000001 -o "$T/adir"
bad_input "missing directory" 1 "cannot write $T/nodir/x.pem: No such file or directory" \
  se05x public 0x7f000001 -o "$T/nodir/x.pem"
no_tmp "refusals"

note "a write error mid-way leaves no file, and an existing file intact"
# RLIMIT_FSIZE of 1 KiB with SIGXFSZ ignored: write(2) fails with EFBIG after
# the first 1024 bytes of the 3000-byte object.
(ulimit -f 1; trap '' XFSZ; exec se05x read 0x20000002 -o "$T/part.bin") 2>"$T/e" && fail "write beyond RLIMIT_FSIZE succeeded"
assert_contains "$(cat "$T/e")" "cannot write $T/part.bin: File too large" "mid-way error"
[ ! -e "$T/part.bin" ] || fail "a failed write left $(stat -c %s "$T/part.bin") bytes in part.bin"
echo "old content" >"$T/keep.bin"
(ulimit -f 1; trap '' XFSZ; exec se05x read 0x20000002 -o "$T/keep.bin") 2>/dev/null && fail "write beyond RLIMIT_FSIZE succeeded"
[ "$(cat "$T/keep.bin")" = "old content" ] || fail "a failed write changed the existing file"
(ulimit -f 1; trap '' XFSZ; exec seTool getRef 0x7f000001 "$T/ref-small.pem") || fail "a small file within the limit"
no_tmp "mid-way failure"
se05x read 0x20000002 -o "$T/whole.bin" && cmp -s "$T/big.bin" "$T/whole.bin" || fail "the same read without the limit"

note "modes: public 0644, binary objects and random bytes 0600, never widened"
umask 022
se05x public 0x7f000001 -o "$T/m.pub" && se05x refkey 0x7f000001 -o "$T/m.ref" \
  && se05x sign 0x7f000001 -i "$T/msg" -o "$T/m.sig" && seTool getRef 0x7f000001 "$T/m.setref" \
  && se05x read 0x20000002 -o "$T/m.bin" && se05x random 32 -o "$T/m.rnd" || fail "writes for the mode check"
for f in m.pub m.ref m.sig m.setref; do [ "$(stat -c %a "$T/$f")" = 644 ] || fail "$f: mode $(stat -c %a "$T/$f")"; done
for f in m.bin m.rnd; do [ "$(stat -c %a "$T/$f")" = 600 ] || fail "$f: mode $(stat -c %a "$T/$f")"; done
chmod 600 "$T/m.pub"
se05x public 0x7f000001 -o "$T/m.pub" && [ "$(stat -c %a "$T/m.pub")" = 600 ] || fail "an existing file's mode was widened"
# replacing a file replaces it: a hard link to the old file keeps the old bytes
echo "linked" >"$T/h.pem" && ln "$T/h.pem" "$T/h2.pem"
se05x public 0x7f000001 -o "$T/h.pem" || fail "replace a hard-linked file"
[ "$(cat "$T/h2.pem")" = linked ] || fail "the write went through a hard link into another name"
# devices and standard output are written in place
se05x public 0x7f000001 -o /dev/null || fail "-o /dev/null"
se05x public 0x7f000001 -o - | grep -q "BEGIN PUBLIC KEY" || fail "-o -"
no_tmp "normal writes"

note "SE05X_LOG_FILE: a symbolic link is refused, its target unchanged"
ln -sf "$T/victim" "$T/log.link"
SE05X_LOG=debug SE05X_LOG_FILE="$T/log.link" se05x public 0x7f000001 -o "$T/l.pem" 2>"$T/log.err" \
  || fail "command with a refused log file"
[ "$(cat "$T/victim")" = precious ] || fail "the log was written through a symlink"
assert_contains "$(cat "$T/log.err")" "SE05X_LOG_FILE $T/log.link refused (is a symbolic link)" "log refusal"
SE05X_LOG=debug SE05X_LOG_FILE="$T/real.log" se05x public 0x7f000001 -o "$T/l.pem" 2>/dev/null || fail "logging"
[ -s "$T/real.log" ] && [ "$(stat -c %a "$T/real.log")" = 600 ] || fail "log file missing or not 0600"
note ok

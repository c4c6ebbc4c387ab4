#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Turns README.md into one bash script (tests/readme/README.md).

Every ```sh block runs, in order, unless the line before its fence is
<!-- readme-test: skip (reason) -->. A non-shell block preceded by
<!-- readme-test: append PATH --> is appended to PATH. The only changes to
the text are the documented substitutions below, which move the system paths
into the test's own directory and the port onto a free one."""
import re
import sys

SUBST = [  # (pattern, replacement) applied in order to commands and paths
    (r"/usr/local/lib/se05x/libse05x_i2c_shim\.so", "$SE05X_BUILD/tests/libse05x_i2c_shim.so"),
    (r"/usr/local/lib/", "$SE05X_LIBDIR/"),
    (r"(?<![\w/])/etc/", "$R/etc/"),
    (r"(?<![\w/])/tmp/", "$R/tmp/"),
    (r"\b8050\b", "$PORT"),
    (r"export LD_PRELOAD=", "export LD_PRELOAD=$SAN_PRELOAD"),
]


def subst(text):
    for pat, rep in SUBST:
        text = re.sub(pat, rep, text)
    return text


def main(path):
    lines = open(path, encoding="utf-8").read().split("\n")
    out, i, n_run, n_skip = [], 0, 0, 0
    directive = None
    while i < len(lines):
        line = lines[i]
        m = re.match(r"<!-- readme-test: (skip|append) (.*?) ?-->$", line.strip())
        if m:
            directive = (m.group(1), m.group(2))
            i += 1
            continue
        f = re.match(r"```(\w*)$", line)
        if not f:
            if line.strip():
                directive = None
            i += 1
            continue
        lang, start = f.group(1), i + 1
        j = start
        while j < len(lines) and lines[j] != "```":
            j += 1
        body = "\n".join(lines[start:j])
        where = f"README.md:{i + 1}"
        if directive and directive[0] == "skip":
            out.append(f"# {where}: skipped {directive[1]}")
            n_skip += 1
        elif directive and directive[0] == "append":
            out.append(f"note '{where}: append to {directive[1]}'")
            out.append(f"cat >>\"{subst(directive[1])}\" <<README_EOF\n{subst(body)}\nREADME_EOF")
        elif lang == "sh":
            if re.search(r"\bsudo\b", body):
                sys.exit(f"{where}: a command block uses sudo (the README assumes none)")
            out.append(f"note '{where}'")
            out.append(subst(body))
            n_run += 1
        directive = None
        i = j + 1
    if n_run == 0:
        sys.exit("README.md: no command block found")
    print("\n".join(out))
    print(f"note 'README.md: {n_run} blocks run, {n_skip} skipped'")


if __name__ == "__main__":
    main(sys.argv[1])

#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Collect make bench's figures from the test VM's serial log into JSON.

    bench-json.py LOG OUT.json [KEY=VALUE...]

tdx_mig_bench prints each figure it measured as "BENCH <name>=<value> <unit>"
(selftests/tdx_mig_bench.c); the VM's serial log carries those lines out of
the guest. OUT.json holds the run's context (the guest kernel from the
BOOTED mark, the KEY=VALUEs given, such as the commit) and one record per
figure: {"name", "value", "unit"}, in the order they were printed. A
figure's line garbled on the console (another message cut into it), a name
given twice or no figure at all is an error: the file is then not written.
"""
import json
import re
import sys

MARK = re.compile(r"=== TDXMIG BOOTED mode=(\S+) cpus=(\d+) kernel=(\S+)")
FIGURE = re.compile(r"^BENCH ([A-Za-z0-9_.]+)=(\S+) (\S+)$")


def main(argv):
    if len(argv) < 3:
        sys.exit(__doc__)
    run = {"kernel": None, "cpus": None}
    for kv in argv[3:]:
        key, _, value = kv.partition("=")
        run[key] = value
    figures, names, errors = [], set(), []
    with open(argv[1], errors="replace") as log:
        for n, line in enumerate(log, 1):
            line = line.rstrip("\r\n")
            m = MARK.search(line)
            if m:
                run["kernel"], run["cpus"] = m.group(3), int(m.group(2))
            if "BENCH " not in line:
                continue
            m = FIGURE.match(line)
            try:
                value = float(m.group(2)) if m else None
            except ValueError:
                value = None
            if value is None:
                errors.append(f"line {n}: not a figure: {line!r}")
                continue
            if m.group(1) in names:
                errors.append(f"line {n}: {m.group(1)} given twice")
                continue
            names.add(m.group(1))
            figures.append({"name": m.group(1), "value": value, "unit": m.group(3)})
    if not figures:
        errors.append("no BENCH figure in the log")
    for e in errors:
        print(f"bench-json: {argv[1]}: {e}", file=sys.stderr)
    if errors:
        return 1
    run["figures"] = figures
    with open(argv[2], "w") as out:
        json.dump(run, out, indent=1)
        out.write("\n")
    print(f"bench-json: {len(figures)} figures in {argv[2]}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

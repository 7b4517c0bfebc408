#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Read the serial logs of tdx-mig test VMs and judge them.

    summarize.py [-a ALLOWLIST] LOG...

Each LOG is one guest's (make check: the test VM, and the two hosts of the
cross-host stage). Prints one line per KUnit suite and selftest program,
every splat found in each guest's kernel log (KASAN, lockdep, UBSAN, kmemleak, WARN, BUG, oops) that the
allowlist does not cover, and last exactly "N passed, N failed". Exits 1 on
any failed case, any splat, a VM that did not finish, or no cases at all.
A selftest built against KVM (kvm/<name>) counts as one case, passed only if
all its cases skipped with a reason: without TDX hardware nothing may pass.
"""
import re
import sys

MARK = re.compile(r"=== TDXMIG (\S+)(?: (.*))?$")
# KTAP/TAP result lines: "ok 3 name", "not ok 3 name # SKIP why".
RESULT = re.compile(r"^(\s*)(not ok|ok) \d+ (?:- )?(.*?)(?:\s+#\s*(SKIP|skip)\b(.*))?$")
# A line that starts a kernel splat.
SPLAT = re.compile(
    r"(BUG: |WARNING: |UBSAN: |KASAN: |Oops: |kernel BUG at|"
    r"general protection fault|possible circular locking|"
    r"possible recursive locking|inconsistent lock state|"
    r"suspicious RCU usage|INFO: task .* blocked|"
    r"Kernel panic|unreferenced object|stack-protector|"
    r"sleeping function called from invalid context|"
    r"tdx_mig_emu: leaked)")
PRINTK_TIME = re.compile(r"^\[\s*\d+\.\d+\]\s?")


def load_allowlist(path):
    """Each non-comment line is a regex; a splat whose first 40 lines match
    one is expected (a test that warns on purpose)."""
    pats = []
    try:
        with open(path) as f:
            for line in f:
                line = line.strip()
                if line and not line.startswith("#"):
                    pats.append(re.compile(line))
    except FileNotFoundError:
        pass
    return pats


def sections(lines):
    """Yield (kind, name, extra, body lines) for each marked block."""
    cur = None
    for raw in lines:
        line = raw.rstrip("\r\n")
        idx = line.find("=== TDXMIG ")
        if idx >= 0:
            m = MARK.match(line[idx:])
            if not m:
                continue
            word, rest = m.group(1), (m.group(2) or "")
            if word in ("SELFTEST", "KUNIT", "KMEMLEAK", "DMESG", "RUN"):
                parts = rest.split(" ", 2)
                if parts[0] == "BEGIN":
                    cur = (word, parts[1] if len(parts) > 1 else "",
                           parts[2] if len(parts) > 2 else "", [])
                elif parts[0] == "END" and cur:
                    yield cur
                    cur = None
            else:
                yield ("MARK", word, rest, [])
            continue
        if cur is not None:
            cur[3].append(line)


def count_tap(body, kunit, name):
    """Count the case-level results of one TAP/KTAP block."""
    passed = failed = skipped = 0
    failures = []
    levels = []
    results = []
    for line in body:
        m = RESULT.match(line)
        if m:
            results.append((len(m.group(1)), m.group(2), m.group(3), m.group(4)))
            levels.append(len(m.group(1)))
    if not results:
        return 0, 0, 0, []
    # KUnit: the suite's own line is the least indented; its cases are the
    # next level; parameters are deeper and are not counted separately.
    lv = sorted(set(levels))
    case_level = lv[1] if kunit and len(lv) > 1 else lv[0]
    if kunit:
        # The suite's cases sit at the indentation of its "# Subtest:" line.
        for line in body:
            m = re.match(r"^(\s*)# Subtest: (\S+)$", line)
            if m and m.group(2) == name:
                case_level = len(m.group(1))
                break
    for indent, verdict, name, skip in results:
        if indent != case_level:
            continue
        if skip:
            skipped += 1
        elif verdict == "ok":
            passed += 1
        else:
            failed += 1
            failures.append(name)
    return passed, failed, skipped, failures


def judge_kvm(body):
    """A selftest built against KVM (kvm/<name>), run where there is no TDX:
    it passes, as one case, only if every case skipped with a reason; a case
    that passed or failed, or skipped saying nothing, fails it. Returns
    (passed, failed, skipped, failures)."""
    results = []
    for line in body:
        m = RESULT.match(line)
        if m:
            results.append((len(m.group(1)), m.group(2), m.group(3), m.group(4),
                            (m.group(5) or "").strip()))
    if not results:
        return 0, 0, 0, []
    level = min(r[0] for r in results)
    skipped = 0
    failures = []
    for indent, verdict, name, skip, why in results:
        if indent != level:
            continue
        if skip and why:
            skipped += 1
        elif skip:
            failures.append(f"{name} (skipped without a reason)")
        elif verdict == "ok":
            failures.append(f"{name} (passed without TDX hardware)")
        else:
            failures.append(name)
    if failures:
        return 0, 1, skipped, failures
    return 1, 0, skipped, []


def find_splats(dmesg, allow):
    splats = []
    for i, line in enumerate(dmesg):
        text = PRINTK_TIME.sub("", line)
        if not SPLAT.search(text):
            continue
        block = [PRINTK_TIME.sub("", l) for l in dmesg[i:i + 40]]
        if any(p.search("\n".join(block)) for p in allow):
            continue
        splats.append(block)
    return splats


def judge_log(log_path, allow, rows, problems):
    """One guest's log: its rows and problems; (passed, failed)."""
    with open(log_path, errors="replace") as f:
        lines = f.readlines()
    total_pass = total_fail = 0
    done = False
    dmesg = []
    kmemleak = []
    for kind, name, extra, body in sections(lines):
        if kind == "MARK":
            if name == "DONE":
                done = True
            elif name.endswith("-FAILED"):
                problems.append(f"{name} {extra}")
        elif kind in ("KUNIT", "SELFTEST"):
            if kind == "SELFTEST" and name.startswith("kvm/"):
                p, fl, s, failures = judge_kvm(body)
            else:
                p, fl, s, failures = count_tap(body, kind == "KUNIT", name)
            if kind == "SELFTEST" and extra not in ("rc=0", "rc=4"):
                if fl == 0:
                    problems.append(f"selftest {name} exited {extra} with no failed case")
            if p + fl + s == 0:
                problems.append(f"{kind.lower()} {name} reported no results")
            rows.append(f"  {kind.lower():8s} {name:32s} {p:4d} passed {fl:3d} failed {s:3d} skipped"
                        + (f"   FAILED: {', '.join(failures)}" if failures else ""))
            total_pass += p
            total_fail += fl
        elif kind == "DMESG":
            dmesg = body
        elif kind == "KMEMLEAK":
            kmemleak = [l for l in body if l.strip()]

    if not dmesg:
        # The VM died before dumping dmesg: judge what the console showed.
        dmesg = [l.rstrip("\r\n") for l in lines]
    splats = find_splats(dmesg, allow)
    if kmemleak:
        splats.append(kmemleak[:40])
    for block in splats:
        print(f"--- kernel splat ({log_path})")
        print("\n".join(block))
    if splats:
        problems.append(f"{len(splats)} kernel splat(s) in {log_path}")
    if not done:
        problems.append("the VM did not finish (no DONE marker): see " + log_path)
    return total_pass, total_fail


def main():
    args = sys.argv[1:]
    allow = []
    if len(args) >= 2 and args[0] == "-a":
        allow = load_allowlist(args[1])
        args = args[2:]
    if not args:
        print(__doc__)
        return 2
    total_pass = total_fail = 0
    problems = []
    rows = []
    for log_path in args:
        p, fl = judge_log(log_path, allow, rows, problems)
        total_pass += p
        total_fail += fl

    print("--- per-suite summary")
    for r in rows:
        print(r)
    if total_pass + total_fail == 0:
        problems.append("no test cases ran")
    for p in problems:
        print("--- problem: " + p)
    print(f"{total_pass} passed, {total_fail} failed")
    return 1 if total_fail or problems else 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Line and branch coverage of a module from the test VM's gcov counters.

    coverage.py [-m tdx_mig] [-o summary-file] <module build dir> <dump>...

Each dump is what a guest's /init wrote to its second serial port (vm.sh:
<log>.gcov): a base64 tar of the .gcda files of /sys/kernel/debug/gcov
between "=== TDXMIG GCOV BEGIN" and "END" lines. The counters of every
dump are added up; gcov (the compiler's own, which reads the .gcno files the
build left beside the objects) turns them into lines and branches. Prints
one row per source file of the module's objects (<module>.mod), each file
under 80 % of its lines with what it misses, and the module's total; with
-o, the total's one line also goes to that file. Exits 1 only if no dump
held counters for the module.
"""

import argparse
import base64
import gzip
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile

FLOOR = 80.0


def read_dump(path, into):
    """Extract the .gcda files of one dump under @into; False if it has none."""
    try:
        with open(path, 'rb') as f:
            text = f.read().decode('ascii', 'replace').replace('\r', '')
    except OSError:
        return False
    begin = text.find('=== TDXMIG GCOV BEGIN\n')
    end = text.find('=== TDXMIG GCOV END', begin)
    if begin < 0 or end < 0:
        return False
    data = base64.b64decode(text[begin + len('=== TDXMIG GCOV BEGIN\n'):end])
    with tarfile.open(fileobj=io.BytesIO(data), mode='r:gz') as tar:
        for m in tar.getmembers():
            if m.isfile() and m.name.endswith('.gcda') and '..' not in m.name.split('/'):
                src = tar.extractfile(m)
                dst = os.path.join(into, m.name.lstrip('./'))
                os.makedirs(os.path.dirname(dst), exist_ok=True)
                with open(dst, 'wb') as out:
                    shutil.copyfileobj(src, out)
    return True


def gcov_json(build, obj, gcda, work):
    """gcov's JSON for object @obj (relative to @build), with @gcda's counters if any."""
    stem = os.path.splitext(obj)[0]
    objdir = os.path.join(work, 'obj', os.path.dirname(obj))
    os.makedirs(objdir, exist_ok=True)
    base = os.path.basename(stem)
    shutil.copy(os.path.join(build, stem + '.gcno'), os.path.join(objdir, base + '.gcno'))
    target = os.path.join(objdir, base + '.gcda')
    if os.path.exists(target):
        os.unlink(target)
    if gcda:
        shutil.copy(gcda, target)
    run = os.path.join(work, 'run')
    shutil.rmtree(run, ignore_errors=True)
    os.makedirs(run)
    subprocess.run(['gcov', '-b', '-j', '-o', objdir, os.path.join(objdir, base + '.gcno')],
                   cwd=run, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    out = []
    for name in os.listdir(run):
        if name.endswith('.gcov.json.gz'):
            with gzip.open(os.path.join(run, name), 'rt') as f:
                out.append(json.load(f))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('-m', '--module', default='tdx_mig')
    ap.add_argument('-o', '--summary')
    ap.add_argument('build')
    ap.add_argument('dumps', nargs='+')
    a = ap.parse_args()
    build = os.path.abspath(a.build)
    with open(os.path.join(build, a.module + '.mod')) as f:
        objs = [o for o in f.read().split() if o.endswith('.o')]

    work = tempfile.mkdtemp(prefix='tdx-mig-gcov.')
    try:
        dumps = []
        for i, d in enumerate(a.dumps):
            into = os.path.join(work, 'dump%d' % i)
            if read_dump(d, into):
                dumps.append(into)
        # (file, line) -> count; (file, line, i) -> taken; (file, function) -> calls
        lines, branches, funcs, have = {}, {}, {}, 0
        for obj in objs:
            obj = os.path.relpath(os.path.join(build, obj), build)
            stem = os.path.splitext(obj)[0]
            found = [os.path.join(d, build.lstrip('/'), stem + '.gcda') for d in dumps]
            found = [g for g in found if os.path.exists(g)] or [None]
            have += found[0] is not None
            for gcda in found:
                for doc in gcov_json(build, obj, gcda, work):
                    for f in doc['files']:
                        name = os.path.relpath(os.path.normpath(
                            os.path.join(build, f['file'])), build)
                        if name.startswith('..'):
                            continue	# the kernel's headers
                        for fn in f['functions']:
                            k = (name, fn['demangled_name'])
                            funcs[k] = funcs.get(k, 0) + fn['execution_count']
                        for ln in f['lines']:
                            k = (name, ln['line_number'])
                            lines[k] = lines.get(k, 0) + ln['count']
                            for i, b in enumerate(ln.get('branches', [])):
                                k = (name, ln['line_number'], i)
                                branches[k] = branches.get(k, 0) + b['count']
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if not have:
        print('coverage: no gcov counters of %s.ko in %s' % (a.module, ' '.join(a.dumps)))
        return 1

    files = sorted({k[0] for k in lines})
    rows, tot = [], [0, 0, 0, 0]
    print('--- gcov coverage of %s.ko (%d objects, %d dumps): lines, branches' %
          (a.module, len(objs), len(dumps)))
    print('%-34s %16s %16s' % ('file', 'lines', 'branches'))
    for name in files:
        ls = [c for (n, _), c in lines.items() if n == name]
        bs = [c for (n, _, _), c in branches.items() if n == name]
        lx, bx = sum(1 for c in ls if c), sum(1 for c in bs if c)
        tot = [tot[0] + lx, tot[1] + len(ls), tot[2] + bx, tot[3] + len(bs)]
        pct = 100.0 * lx / len(ls) if ls else 100.0
        bpct = '%5.1f%% %4d/%-4d' % (100.0 * bx / len(bs), bx, len(bs)) if bs else '-'
        print('%-34s %5.1f%% %4d/%-4d %16s' % (name, pct, lx, len(ls), bpct))
        if pct < FLOOR:
            never = sorted(fn for (n, fn), c in funcs.items() if n == name and not c)
            shown = ', '.join(never[:12]) or 'none'
            if len(never) > 12:
                shown += ' and %d more' % (len(never) - 12)
            rows.append('  %s: %d of %d lines never ran; functions never entered: %s' %
                        (name, len(ls) - lx, len(ls), shown))
    total = ('coverage %s.ko: lines %.1f%% (%d/%d), branches %.1f%% (%d/%d)' %
             (a.module, 100.0 * tot[0] / max(tot[1], 1), tot[0], tot[1],
              100.0 * tot[2] / max(tot[3], 1), tot[2], tot[3]))
    if rows:
        print('under %d%% of lines:' % FLOOR)
        print('\n'.join(rows))
    print(total)
    if a.summary:
        with open(a.summary, 'w') as f:
            f.write(total + '\n')
    return 0


if __name__ == '__main__':
    sys.exit(main())

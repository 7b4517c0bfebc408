#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make check's stage "bench-json": scripts/bench-json.py and
# scripts/bench-compare on serial logs written here, with the console's
# CR LF endings and a kernel message in between: the figures come out with
# their names, values and units, B/A is right, and a garbled or repeated
# figure line fails and writes no file.

. "$(dirname "$0")/lib.sh"

d=$OUT/bench-json-check
rm -rf "$d" && mkdir -p "$d"
rc=0
fail() { log "bench-json: FAIL: $*"; rc=1; }

printf '%s\r\n' '=== TDXMIG BOOTED mode=bench cpus=2 kernel=7.3.4-tdxmig-bench' \
	'BENCH gcm_4k=200 MiB/s' '[    1.5] tdx_mig: loaded, backend emu' \
	'BENCH idle.blackout=12.5 ms' 'BENCH mem.stream_base=4096 bytes' > "$d/a.log"
printf '%s\r\n' '=== TDXMIG BOOTED mode=bench cpus=2 kernel=7.3.4-tdxmig' \
	'BENCH gcm_4k=100 MiB/s' 'BENCH idle.blackout=50 ms' > "$d/b.log"
python3 "$TOP/scripts/bench-json.py" "$d/a.log" "$d/a.json" commit=aaa 2>/dev/null ||
	fail "a.log refused"
python3 "$TOP/scripts/bench-json.py" "$d/b.log" "$d/b.json" commit=bbb 2>/dev/null ||
	fail "b.log refused"
got=$(python3 -c 'import json, sys
r = json.load(open(sys.argv[1]))
print(r["kernel"], r["cpus"], r["commit"],
      " ".join("%s=%g/%s" % (f["name"], f["value"], f["unit"]) for f in r["figures"]))' "$d/a.json")
want="7.3.4-tdxmig-bench 2 aaa gcm_4k=200/MiB/s idle.blackout=12.5/ms mem.stream_base=4096/bytes"
[ "$got" = "$want" ] || fail "a.json holds '$got', not '$want'"

cmp=$("$TOP/scripts/bench-compare" "$d/a.json" "$d/b.json")
grep -qE '^gcm_4k +200 +100 +0\.50 +MiB/s$' <<< "$cmp" || fail "gcm_4k B/A: $cmp"
grep -qE '^idle\.blackout +12\.5 +50 +4\.00 +ms$' <<< "$cmp" || fail "idle.blackout B/A: $cmp"
grep -qE '^mem\.stream_base +4096 +- +- +bytes$' <<< "$cmp" || fail "a figure B lacks: $cmp"

# A kernel message cut into a figure's line, and a figure given twice.
printf '%s\r\n' 'BENCH gcm_4k=200 MiB/s' 'BENCH idle.blackout=1[    2.0] WARNING: x ms' > "$d/c.log"
printf '%s\r\n' 'BENCH gcm_4k=200 MiB/s' 'BENCH gcm_4k=300 MiB/s' > "$d/d.log"
for l in c d; do
	if python3 "$TOP/scripts/bench-json.py" "$d/$l.log" "$d/$l.json" 2>/dev/null ||
	   [ -e "$d/$l.json" ]; then
		fail "$l.log accepted"
	fi
done
[ $rc -eq 0 ] && log "bench-json: figures collected and compared; bad figure lines refused"
exit $rc

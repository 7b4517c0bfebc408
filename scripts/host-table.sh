#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Every file:function that Documentation/host.rst names must exist: a 7.3
# counterpart of the host seam in the kernel source, a tdx_mig/ function
# (the KVM adapter's implementation) in this tree; each a definition of
# that function at the start of a line of that file. Every row of the two
# tables names a tdx_mig/kvm/ implementation.
#
#   host-table.sh <kernel source>

. "$(dirname "$0")/lib.sh"

ksrc=$1
doc=$TOP/Documentation/host.rst
[ -d "$ksrc/arch/x86/kvm" ] || die "host-table: no KVM source in $ksrc"
refs=$(grep -oE '``[a-z0-9_/]+\.[ch]:[A-Za-z0-9_]+``' "$doc" | tr -d '`' | sort -u)
[ -n "$refs" ] || die "host-table: no file:function in $doc"
bad=0 n=0 m=0
for ref in $refs; do
	file=${ref%%:*} fn=${ref#*:} root=$ksrc
	case $file in tdx_mig/*) root=$TOP m=$((m + 1)) ;; *) n=$((n + 1)) ;; esac
	if [ ! -f "$root/$file" ] ||
	   ! grep -qE "^[A-Za-z_][^;=]*[ *]$fn\(" "$root/$file"; then
		log "host-table: $ref does not exist in $root"
		bad=1
	fi
done
# Each list-table row after its header row ("   * - " and its cells).
missing=$(python3 - "$doc" <<'PY'
import re, sys
for table in open(sys.argv[1]).read().split('.. list-table::')[1:]:
    body = re.split(r'\n(?=\S)', table)[0]	# up to the next unindented line
    rows = re.split(r'\n   \* - ', body)[2:]
    for row in rows:
        if 'tdx_mig/kvm/' not in row:
            print(row.split('\n')[0])
PY
)
if [ -n "$missing" ]; then
	printf '%s\n' "$missing"
	log "host-table: rows without a tdx_mig/kvm/ implementation"
	bad=1
fi
[ $bad = 0 ] || exit 1
log "host-table: $n counterparts found in the 7.3 source, $m KVM adapter functions in tdx_mig/"

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Every file:function that Documentation/host.rst names as a 7.3 counterpart
# of the host seam must exist in the kernel source: a definition of that
# function at the start of a line of that file.
#
#   host-table.sh <kernel source>

. "$(dirname "$0")/lib.sh"

ksrc=$1
[ -d "$ksrc/arch/x86/kvm" ] || die "host-table: no KVM source in $ksrc"
rows=$(grep -oE '``[a-z0-9_/]+\.[ch]:[A-Za-z0-9_]+``' "$TOP/Documentation/host.rst" |
	tr -d '`' | sort -u)
[ -n "$rows" ] || die "host-table: no file:function in Documentation/host.rst"
bad=0 n=0
for row in $rows; do
	file=${row%%:*} fn=${row#*:}
	n=$((n + 1))
	if [ ! -f "$ksrc/$file" ] ||
	   ! grep -qE "^[A-Za-z_][^;=]*[ *]$fn\(" "$ksrc/$file"; then
		log "host-table: $row does not exist in $ksrc"
		bad=1
	fi
done
[ $bad = 0 ] || exit 1
log "host-table: $n counterparts found in the 7.3 source"

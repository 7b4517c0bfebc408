#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# checkpatch.pl --strict over every C source and header of the project.
# KSRC: a kernel source tree; fetched through kernel.sh when unset.

. "$(dirname "$0")/lib.sh"

if [ -z "${KSRC:-}" ]; then
	eval "$("$TOP/scripts/kernel.sh")"
fi
cd "$TOP"
mapfile -t files < <(git ls-files -co --exclude-standard '*.c' '*.h' | sort)
[ ${#files[@]} -gt 0 ] || die "checkpatch: no sources"
# ALLOC_WITH_SIZEOF asks for kzalloc_obj(), which 6.1 and 6.12 lack.
out=$("$KSRC/scripts/checkpatch.pl" --no-tree --strict --terse --show-types \
	--ignore ALLOC_WITH_SIZEOF -f "${files[@]}" 2>&1 || true)
problems=$(printf '%s\n' "$out" | grep -E ': (ERROR|WARNING|CHECK):' || true)
if [ -n "$problems" ]; then
	printf '%s\n' "$problems"
	die "checkpatch: $(printf '%s\n' "$problems" | wc -l) problem(s) in ${#files[@]} files"
fi
log "checkpatch: ${#files[@]} files clean"

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# checkpatch.pl --strict over every C source and header of the project.
# KSRC: a kernel source tree; fetched through kernel.sh when unset.

. "$(dirname "$0")/lib.sh"

if [ -z "${KSRC:-}" ]; then
	eval "$("$TOP/scripts/kernel.sh")"
fi
cd "$TOP"
[ -x "$KSRC/scripts/checkpatch.pl" ] || die "checkpatch: no $KSRC/scripts/checkpatch.pl"
mapfile -t files < <(git ls-files -co --exclude-standard '*.c' '*.h' | sort)
[ ${#files[@]} -gt 0 ] || die "checkpatch: no sources"
kernel=() user=()
for f in "${files[@]}"; do
	case $f in
	selftests/*) user+=("$f") ;;
	*) kernel+=("$f") ;;
	esac
done

# $@: extra checkpatch options, then --, then the files; prints the problems.
run_checkpatch() {
	local opts=()
	while [ "$1" != -- ]; do
		opts+=("$1")
		shift
	done
	shift
	[ $# -gt 0 ] || return 0
	# ALLOC_WITH_SIZEOF asks for kzalloc_obj(), which 6.1 and 6.12 lack.
	"$KSRC/scripts/checkpatch.pl" --no-tree --strict --terse --show-types \
		--ignore ALLOC_WITH_SIZEOF "${opts[@]}" -f "$@" 2>&1 |
		grep -E ': (ERROR|WARNING|CHECK):' || true
}

problems=$(run_checkpatch -- "${kernel[@]}")
# Userspace has neither u64 nor BIT(); KVM's own selftests use uint64_t.
problems+=$'\n'$(run_checkpatch --ignore PREFER_KERNEL_TYPES,BIT_MACRO -- "${user[@]}")
# The KVM hook series, as a KVM maintainer would check it: in the tree.
mapfile -t patches < <(ls "$TOP"/kvm/patches/*.patch 2>/dev/null)
if [ ${#patches[@]} -gt 0 ]; then
	problems+=$'\n'$(cd "$KSRC" && scripts/checkpatch.pl --strict --terse --show-types \
		"${patches[@]}" 2>&1 | grep -E ': (ERROR|WARNING|CHECK):|^Traceback' || true)
fi
problems=$(printf '%s\n' "$problems" | sed '/^$/d')
if [ -n "$problems" ]; then
	printf '%s\n' "$problems"
	die "checkpatch: $(printf '%s\n' "$problems" | wc -l) problem(s) in ${#files[@]} files"
fi
log "checkpatch: ${#files[@]} files and ${#patches[@]} KVM patches clean"

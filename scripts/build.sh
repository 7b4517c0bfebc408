#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# W=1 and sparse (C=2) build of the modules against one kernel tree, in a
# copy of the sources under $OUT so trees never share objects. Any compiler
# or sparse diagnostic fails the build.
#
#   build.sh <name> <kernel build dir> [sparse binary]

. "$(dirname "$0")/lib.sh"

name=$1 kdir=$2 sparse=${3:-sparse}
dst=$OUT/build-$name
mkdir -p "$dst"
rsync -a --delete --exclude '*.o' --exclude '*.gcno' --exclude '*.ko' --exclude '.*.cmd' \
	"$TOP/Kbuild" "$TOP/tdx_mig" "$TOP/uapi" "$dst/"
make_log=$dst/build.log
if ! make -C "$kdir" M="$dst" W=1 C=2 CHECK="$sparse" modules > "$make_log" 2>&1; then
	cat "$make_log"
	die "build $name: failed"
fi
diag=$(grep -E 'warning:|error:|note:|sparse is not available|C=2 specified' "$make_log" || true)
if [ -n "$diag" ]; then
	printf '%s\n' "$diag"
	die "build $name: diagnostics from the compiler or sparse"
fi
grep -q ' CHECK ' "$make_log" || die "build $name: sparse did not run"
log "build $name: clean ($(ls "$dst"/*.ko | xargs -n1 basename | tr '\n' ' '))"

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# bookworm's sparse 0.6.4 is silently skipped by 7.x kernels (they need
# __typeof_unqual__). Build sparse from sid's source package once, cached.
# Prints the path of the sparse binary.

. "$(dirname "$0")/lib.sh"

private_apt_setup sparse-src deb-src sid
ver=$(private_apt sparse-src source --print-uris --download-only sparse 2>/dev/null |
	awk '/orig\.tar/ { print $2 }' | head -1)
[ -n "$ver" ] || die "sparse: no source package found"
dir=$CACHE/sparse/${ver%.orig.tar.*}
bin=$dir/build/sparse
if [ ! -x "$bin" ]; then
	log "sparse: building from $ver"
	rm -rf "$dir" && mkdir -p "$dir"
	(cd "$dir" && private_apt sparse-src source --download-only sparse >/dev/null)
	mkdir -p "$dir/build"
	tar -xf "$dir"/"$ver" -C "$dir/build" --strip-components=1
	make -C "$dir/build" -j"$(nproc)" sparse >/dev/null 2>&1 || die "sparse build failed"
fi
echo "$bin"

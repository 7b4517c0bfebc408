#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Fetch Debian's linux-source-7.3 and build the debug test kernel from
# kconfig/debug.config (or, with "bench", the benchmark kernel from
# kconfig/bench.config: no sanitizers, no lock debugging), cached outside the
# repository keyed by the source version and the fragment. Prints the source
# and build directories on stdout.
#
#   kernel.sh [debug|bench]

. "$(dirname "$0")/lib.sh"

KIND=${1:-debug}
case $KIND in
debug) KB_PREFIX=kbuild ;;
bench) KB_PREFIX=kbuild-bench ;;
*) die "kernel: no such kernel: $KIND (debug or bench)" ;;
esac
FRAGMENT=$TOP/kconfig/$KIND.config

fetch_source() {
	private_apt_setup kernel deb "$KSRC_SUITE"
	local ver
	ver=$(APT_CMD=apt-cache private_apt kernel policy "$KSRC_PKG" |
		awk '/Candidate:/ { print $2 }')
	[ -n "$ver" ] && [ "$ver" != "(none)" ] || die "$KSRC_PKG not found in $KSRC_SUITE"
	KVER_PKG=$ver
	KSRC=$CACHE/src/$KSRC_PKG-$ver
	[ -e "$KSRC/.unpacked" ] && return 0

	log "kernel: fetching $KSRC_PKG $ver"
	local tmp=$CACHE/src/tmp.$$
	rm -rf "$tmp" && mkdir -p "$tmp"
	(cd "$tmp" && private_apt kernel download "$KSRC_PKG=$ver" >/dev/null)
	dpkg-deb -x "$tmp"/"$KSRC_PKG"_*.deb "$tmp/root"
	rm -rf "$KSRC" && mkdir -p "$KSRC"
	tar -xf "$tmp"/root/usr/src/"$KSRC_PKG".tar.xz -C "$KSRC" --strip-components=1
	rm -rf "$tmp"
	touch "$KSRC/.unpacked"
}

# Every option the fragment sets must survive olddefconfig: a silently
# dropped option (a missing dependency) would make the debug kernel lie, and
# an option the bench fragment turns off but a default turns back on (as
# SLUB_DEBUG's) would make the benchmark kernel measure a sanitizer.
check_config() {
	local kb=$1 bad=0 line opt val got
	while IFS= read -r line; do
		case "$line" in CONFIG_*=*) ;; *) continue ;; esac
		opt=${line%%=*}; val=${line#*=}
		got=$(grep -E "^$opt=|^# $opt is not set" "$kb/.config" || true)
		if [ "$val" = n ]; then
			case "$got" in "" | "# $opt is not set") continue ;; esac
		elif [ "$got" = "$line" ]; then
			continue
		fi
		log "kernel: $line requested, .config has '${got:-nothing}'"
		bad=1
	done < "$FRAGMENT"
	return $bad
}

build_kernel() {
	local key kb
	key=$(printf '%s\n' "$KVER_PKG" | cat - "$FRAGMENT" | sha256sum | cut -c1-16)
	kb=$CACHE/$KB_PREFIX-$KVER_PKG-$key
	KB=$kb
	if [ -e "$kb/.tdx-mig-built" ]; then
		log "kernel: reusing cached build $kb (no rebuild)"
		return 0
	fi
	log "kernel: building the $KIND kernel, $KSRC_PKG $KVER_PKG, into $kb (cold: about 10 minutes)"
	mkdir -p "$kb" "$CACHE/ccache"
	local mk=(make -C "$KSRC" O="$kb" ARCH=x86_64 -s)
	"${mk[@]}" tinyconfig >/dev/null
	"$KSRC/scripts/kconfig/merge_config.sh" -m -O "$kb" "$kb/.config" "$FRAGMENT" >/dev/null
	"${mk[@]}" olddefconfig >/dev/null
	check_config "$kb" || die "kernel: config fragment not applied"
	CCACHE_DIR=$CACHE/ccache "${mk[@]}" CC="ccache gcc" -j"$(nproc)" bzImage modules \
		> "$kb/build.log" 2>&1 || { tail -40 "$kb/build.log"; die "kernel build failed"; }
	touch "$kb/.tdx-mig-built"
}

mkdir -p "$CACHE/src"
fetch_source
build_kernel
# For the other scripts: the source tree (checkpatch, kselftest harness) and
# the build directory.
printf 'KSRC=%s\nKB=%s\n' "$KSRC" "$KB"

# SPDX-License-Identifier: GPL-2.0
# Shared settings of the tdx-mig harness scripts; sourced, never run.

set -euo pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CACHE=${TDX_MIG_CACHE:-/var/cache/tdx-mig}
OUT=${TDX_MIG_OUT:-$TOP/out}

# The debug test kernel: Debian's newest source carrying upstream KVM TDX.
KSRC_PKG=linux-source-7.3
KSRC_SUITE=trixie-backports
FRAGMENT=$TOP/kconfig/debug.config

# The distro header trees the module must also build against.
DEB_HEADERS_PKGS="linux-headers-amd64 linux-headers-6.12-amd64"

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

# The Debian mirror URI the machine already uses, so that no registry host
# name is ever written into the repository.
debian_mirror() {
	local uri=""
	if [ -r /etc/apt/sources.list.d/debian.sources ]; then
		uri=$(awk '/^URIs:/ { print $2; exit }' /etc/apt/sources.list.d/debian.sources)
	fi
	if [ -z "$uri" ] && [ -r /etc/apt/sources.list ]; then
		uri=$(awk '$1 == "deb" && $0 !~ /security/ { for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\//) { print $i; exit } }' /etc/apt/sources.list)
	fi
	[ -n "$uri" ] || die "no Debian mirror configured in /etc/apt"
	echo "$uri"
}

# apt-get with a private source list and state, leaving the system's alone.
# $1: name of the private configuration; the rest: apt-get arguments.
private_apt() {
	local name=$1; shift
	local d=$CACHE/apt/$name
	"${APT_CMD:-apt-get}" -q \
		-o Dir::Etc::SourceList="$d/sources.list" \
		-o Dir::Etc::SourceParts=- \
		-o Dir::State::Lists="$d/lists" \
		-o Dir::Cache="$d/cache" \
		-o APT::Sandbox::User=root \
		"$@"
}

# $1: name; $2: one sources.list line without the URI-bearing prefix parts.
private_apt_setup() {
	local name=$1 type=$2 suite=$3
	local d=$CACHE/apt/$name
	mkdir -p "$d/lists/partial" "$d/cache/archives/partial"
	printf '%s [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] %s %s main\n' \
		"$type" "$(debian_mirror)" "$suite" > "$d/sources.list"
	if [ ! -e "$d/updated" ] || [ -n "$(find "$d/updated" -mmin +1440)" ]; then
		private_apt "$name" update >/dev/null
		touch "$d/updated"
	fi
}

# Time a stage and remember it for the summary printed at the end.
STAGE_TIMES=()
stage() {
	local name=$1; shift
	local t0=$SECONDS rc=0
	log "stage: $name"
	"$@" || rc=$?
	STAGE_TIMES+=("$(printf '%-28s %4ds %s' "$name" $((SECONDS - t0)) "$([ $rc -eq 0 ] && echo ok || echo FAILED)")")
	return $rc
}

print_stage_times() {
	local l
	echo "--- stage times"
	for l in "${STAGE_TIMES[@]}"; do echo "$l"; done
}

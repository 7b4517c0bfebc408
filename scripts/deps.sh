#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Install what the build and the test VM need on a Debian 12 machine (root).
# Idempotent: does nothing when everything is present.

. "$(dirname "$0")/lib.sh"

PKGS="build-essential bc bison flex libelf-dev libssl-dev dwarves kmod cpio
xz-utils python3 python3-ply perl ccache sparse qemu-system-x86 busybox-static rsync iproute2
dkms openssl
$DEB_HEADERS_PKGS"

missing=()
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
	log "deps: all packages present"
	exit 0
fi

[ "$(id -u)" -eq 0 ] || die "need root to install: ${missing[*]}"
log "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get -q update >/dev/null
apt-get -q install -y --no-install-recommends "${missing[@]}" >/dev/null

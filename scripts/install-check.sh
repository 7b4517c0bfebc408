#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make check's stage "install": the DKMS build (the real dkms, in a scratch
# DKMS tree with a scratch signing key, so nothing of the system's DKMS state
# or /lib/modules changes) against Debian's 6.1 and 6.12 headers, dkms.conf's
# decision on the KVM modules, and make install into a staging root.
#
#   install-check.sh        (KSRC and KB from the environment, else kernel.sh)

. "$(dirname "$0")/lib.sh"

VER=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' "$TOP/dkms.conf")
NAME=$(sed -n 's/^PACKAGE_NAME="\(.*\)"/\1/p' "$TOP/dkms.conf")
T=$OUT/install-check
rc=0

fail() { log "install: FAIL: $*"; rc=1; }

# The modules $1 holds for kernel $2 ($3: their names) exist and are $2's.
check_modules() {
	local dir=$1 kver=$2 m f vermagic
	shift 2
	for m in "$@"; do
		f=$(ls "$dir/$m.ko"* 2>/dev/null | head -1)
		if [ -z "$f" ]; then
			fail "$kver: no $m.ko in $dir"
			continue
		fi
		vermagic=$(modinfo -F vermagic "$f" | awk '{ print $1 }') || true
		[ "$vermagic" = "$kver" ] || fail "$kver: $f has vermagic $vermagic"
	done
}

# dkms build of tdx-mig for the headers in $1; KSRC as the caller exports it.
# $2: what dkms must say about the KVM modules.
dkms_build() {
	local hdr=$1 expect=$2 kver=${1#/usr/src/linux-headers-} mod err
	mod=$T/tree/$NAME/$VER/$kver/x86_64/module
	err=$T/dkms-$kver.err
	if ! nice dkms build -m "$NAME" -v "$VER" -k "$kver" --kernelsourcedir "$hdr" \
		--dkmstree "$T/tree" --sourcetree "$T/source" > "$T/dkms-$kver.out" 2> "$err"; then
		cat "$T/dkms-$kver.out" "$err"
		tail -30 "$T/tree/$NAME/$VER/build/make.log" 2>/dev/null
		fail "$kver: dkms build failed"
		return
	fi
	dkms status -m "$NAME" -v "$VER" -k "$kver" --dkmstree "$T/tree" --sourcetree "$T/source" \
		2>/dev/null | grep -q ": built$" || fail "$kver: dkms status does not say built"
	check_modules "$mod" "$kver" tdx_mig tdx_mig_emu
	[ "$(modinfo -F signer "$(ls "$mod"/tdx_mig.ko*)")" = "DKMS module signing key" ] ||
		fail "$kver: tdx_mig.ko not signed with the scratch DKMS key"
	ls "$mod"/kvm*.ko* > /dev/null 2>&1 && fail "$kver: kvm modules built for a kernel without TDX"
	if grep -qF "kvm.ko and kvm-intel.ko not built for $kver: $expect" "$err"; then
		log "install: $kver: dkms built $(ls "$mod" | tr '\n' ' ')and said: $(grep -F "$expect" "$err")"
	else
		cat "$err"
		fail "$kver: dkms did not say '$expect'"
	fi
}

# make install of the copied sources against $1 into a staging root.
make_install() {
	local hdr=$1 kver=${1#/usr/src/linux-headers-} stage=$T/stage dep
	if ! nice make -C "$T/source/$NAME-$VER" install KDIR="$hdr" INSTALL_MOD_PATH="$stage" \
		> "$T/install-$kver.log" 2>&1; then
		cat "$T/install-$kver.log"
		fail "$kver: make install failed"
		return
	fi
	check_modules "$stage/lib/modules/$kver/updates" "$kver" tdx_mig tdx_mig_emu
	# depmod's output: tdx_mig_emu needs tdx_mig, and modprobe finds both.
	grep -qE '^updates/tdx_mig_emu\.ko[^:]*: updates/tdx_mig\.ko' \
		"$stage/lib/modules/$kver/modules.dep" ||
		fail "$kver: modules.dep lacks tdx_mig_emu's dependency on tdx_mig"
	dep=$(modprobe -d "$stage" -S "$kver" --show-depends tdx_mig_emu 2>&1 | awk '{ print $2 }' |
	      xargs -n1 basename | tr '\n' ' ') || true
	case $dep in
	"tdx_mig.ko"*" tdx_mig_emu.ko"*) log "install: $kver: staged; modprobe would load: $dep" ;;
	*) fail "$kver: modprobe --show-depends tdx_mig_emu in the staging root: '$dep'" ;;
	esac
}

command -v dkms > /dev/null || die "install: dkms is not installed (scripts/deps.sh)"
if [ -z "${KSRC:-}" ] || [ -z "${KB:-}" ]; then
	eval "$("$TOP/scripts/kernel.sh")"
fi
h61=$(ls -d /usr/src/linux-headers-6.1.*-amd64 2>/dev/null | tail -1)
h612=$(ls -d /usr/src/linux-headers-6.12.*-amd64 2>/dev/null | tail -1)
if [ -z "$h61" ] || [ -z "$h612" ]; then
	die "install: Debian's 6.1 and 6.12 headers are not both installed"
fi

rm -rf "$T"
mkdir -p "$T/tree" "$T/source/$NAME-$VER" "$T/keys"
# What a package would put in /usr/src: the tree without git or build output.
rsync -a --exclude=.git --filter=':- .gitignore' "$TOP/" "$T/source/$NAME-$VER/"
touch "$T/start"
# DKMS signs what it builds; its key goes to the scratch directory, not to
# /var/lib/dkms (the environment overrides framework.conf's defaults).
export mok_signing_key=$T/keys/mok.key mok_certificate=$T/keys/mok.pub
dkms add -m "$NAME" -v "$VER" --dkmstree "$T/tree" --sourcetree "$T/source" > "$T/dkms-add.log" 2>&1 ||
	{ cat "$T/dkms-add.log"; die "install: dkms add failed"; }

# dkms.conf's decision on the KVM modules: built for a kernel with TDX when
# KSRC is its source (the debug kernel), and each refusal says why.
why=$(bash "$TOP/scripts/dkms.sh" kvm-check "$KB") ||
	fail "kvm-check refuses the debug kernel with KSRC=$KSRC: $why"
why=$(KSRC=${h61%-amd64}-common bash "$TOP/scripts/dkms.sh" kvm-check "$KB") &&
	fail "kvm-check accepts a headers tree as KSRC"
case $why in
*"has no arch/x86/kvm/vmx/tdx.c"*) ;;
*) fail "kvm-check with a headers tree as KSRC said: '$why'" ;;
esac

(unset KSRC; dkms_build "$h61" "KSRC is not set"; exit $rc) || rc=1
(export KSRC; dkms_build "$h612" "the kernel of $h612 is not built with CONFIG_INTEL_TDX_HOST=y"; exit $rc) ||
	rc=1
make_install "$h61"
make_install "$h612"

# Nothing outside the scratch directory changed.
changed=$(find /var/lib/dkms "/lib/modules/${h61#/usr/src/linux-headers-}" \
	"/lib/modules/${h612#/usr/src/linux-headers-}" -newer "$T/start" 2>/dev/null | head -5)
[ -z "$changed" ] || fail "changed outside $T: $changed"
[ $rc -eq 0 ] && log "install: DKMS and make install clean for $(basename "$h61") and $(basename "$h612")"
exit $rc

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The uAPI header must build in C and C++ beside the system's <linux/kvm.h>
# (Debian 12: no TDX) and beside a current upstream one (the debug kernel's
# exported headers, which define struct kvm_tdx_cmd themselves).
#
#   uapi-check.sh <kernel source> <kernel build dir>

. "$(dirname "$0")/lib.sh"

ksrc=$1 kb=$2
hdr=$kb/tdx-mig-uapi-headers
if [ ! -e "$hdr/include/linux/kvm.h" ]; then
	make -s -C "$ksrc" O="$kb" ARCH=x86_64 headers_install INSTALL_HDR_PATH="$hdr" \
		> /dev/null || die "uapi: headers_install failed"
fi
test_src=$TOP/selftests/uapi_layout_test.c
inc=(-I"$TOP/uapi" -I"$ksrc/tools/testing/selftests")
for sys in system upstream; do
	extra=()
	[ $sys = upstream ] && extra=(-isystem "$hdr/include")
	gcc -std=gnu11 -Wall -Werror -fsyntax-only "${extra[@]}" "${inc[@]}" "$test_src" ||
		die "uapi: the layout test with $sys <linux/kvm.h>"
	for lang in c c++; do
		printf '#include <linux/tdx_mig.h>\n#include <linux/tdx_mig_emu.h>\nint main(void) { struct kvm_tdx_cmd c = {}; c.id = KVM_TDX_MIG_EXPORT_MEM; return (int)(c.id + KVM_TDX_CMD_ERROR(&c)); }\n' |
			gcc -Wall -Wextra -Werror -fsyntax-only "${extra[@]}" -I"$TOP/uapi" -x $lang - ||
			die "uapi: $lang with $sys <linux/kvm.h>"
	done
done
log "uapi: C and C++ build with the system's and upstream's <linux/kvm.h>"

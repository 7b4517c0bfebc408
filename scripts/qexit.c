// SPDX-License-Identifier: GPL-2.0
/*
 * Guest side of QEMU's isa-debug-exit device (iobase 0xf4): write the exit
 * code, and QEMU ends with status (code << 1) | 1.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/io.h>

int main(int argc, char **argv)
{
	int code = argc > 1 ? atoi(argv[1]) : 0;

	if (ioperm(0xf4, 4, 1)) {
		perror("ioperm");
		return 1;
	}
	outl(code, 0xf4);
	return 1;	/* not reached when the device exists */
}

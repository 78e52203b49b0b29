/*
 * abi_probe.c - the guest's u-dma-buf ABI probe (tests/lib/udmabuf_abi.c), run against the real
 * driver.  Built statically, as a 64-bit and as a 32-bit program (the 32-bit one goes through the
 * driver's compat_ioctl).  Test code only.
 *
 *   abi_probe [--no-mmap] NAME...     prints the transcript of each device NAME
 */
#include <stdio.h>
#include <string.h>

#include "udmabuf_abi.h"

int main(int argc, char **argv)
{
	int do_mmap = 1, ret = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--no-mmap") == 0) {
			do_mmap = 0;
			continue;
		}
		if (udmabuf_abi_probe(NULL, argv[i], do_mmap, stdout) < 0)
			ret = 1;
	}
	return ret;
}

// SPDX-License-Identifier: GPL-2.0
/* What every test backend builds the same way from the others' calls. */
#include <unistd.h>

#include "test_backend.h"

int tb_create_pair(uint64_t mem_bytes, unsigned int nr_vcpus, int *src, int *dst)
{
	int ret;

	*src = tb_create_td(mem_bytes, nr_vcpus, false, 0);
	if (*src < 0)
		return *src;
	*dst = tb_create_td(mem_bytes, nr_vcpus, true, 0);
	ret = *dst < 0 ? *dst : tb_exchange_keys(*src, *dst);
	if (ret) {
		close(*src);
		if (*dst >= 0)
			close(*dst);
		*src = -1;
		*dst = -1;
	}
	return ret;
}

/*
 * Fuzzes the MEM_TOPOLOGY parsers of the zocl and xrt backends: a section as zocl's sysfs file
 * gives it (plbuf__memtopo_parse) and a whole xclbin file (plbuf__memtopo_from_xclbin), read from
 * a file as the backends do (plbuf__memtopo_read_file).  Byte 0 picks the parser.
 */
#include "fuzz.h"
#include "os/memtopo.h"
#include "internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct plbuf_memtopo_bank banks[PLBUF_MEMTOPO_MAX];
	char path[PATH_MAX];
	void *buf = NULL;
	size_t len = 0;
	int n;

	if (size < 1 || size > 65536)
		return 0;
	fz_write("/mem_topology", data + 1, size - 1);
	FZ_CHECK(plbuf__memtopo_read_file(fz_path(path, sizeof(path), "/mem_topology"), &buf, &len) == 0);
	FZ_CHECK(len == size - 1 && (!len || memcmp(buf, data + 1, len) == 0));
	fz_clear_msg();
	if (data[0] & 1)
		n = plbuf__memtopo_from_xclbin(buf, len, "fuzz.xclbin", banks, PLBUF_MEMTOPO_MAX);
	else
		n = plbuf__memtopo_parse(buf, len, "mem_topology", banks, PLBUF_MEMTOPO_MAX);
	if (n < 0) {
		FZ_CLEAN_ERR(n);
	} else {
		FZ_CHECK(n <= PLBUF_MEMTOPO_MAX);
		for (int i = 0; i < n; i++) {
			FZ_CHECK(banks[i].index == i && banks[i].type >= 0 && banks[i].type <= 255);
			FZ_CHECK(banks[i].tag[16] == 0);
			FZ_CHECK(banks[i].size % 1024 == 0);
		}
	}
	free(buf);
	return 0;
}

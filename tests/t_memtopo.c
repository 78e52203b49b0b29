/* memtopo: the MEM_TOPOLOGY section is found in an xclbin image and parsed field by field (bank
 * index, type, used, base, size from KiB, tag); truncated or foreign data is refused with the
 * file named, never read past its end. */
#include "test.h"
#include "os/memtopo.h"

static unsigned char img[4096];

static void put32(size_t off, uint32_t v) { memcpy(img + off, &v, 4); }
static void put64(size_t off, uint64_t v) { memcpy(img + off, &v, 8); }

static void mem_data(size_t off, int type, int used, uint64_t kib, uint64_t base, const char *tag)
{
	img[off] = (unsigned char)type;
	img[off + 1] = (unsigned char)used;
	put64(off + 8, kib);
	put64(off + 16, base);
	memcpy(img + off + 24, tag, strlen(tag));
}

/* An xclbin with an IP_LAYOUT section, then MEM_TOPOLOGY at 1024: 3 banks.  Returns its size. */
static size_t build(void)
{
	memset(img, 0, sizeof(img));
	memcpy(img, "xclbin2", 8);
	put32(448, 2);                    /* m_header.m_numSections */
	put32(456, 8);                    /* section 0: IP_LAYOUT */
	put64(456 + 24, 900);
	put64(456 + 32, 8);
	put32(496, 6);                    /* section 1: MEM_TOPOLOGY */
	put64(496 + 24, 1024);
	put64(496 + 32, 8 + 3 * 40);
	put32(1024, 3);
	mem_data(1024 + 8, 6, 1, 256 << 20, 0x4000000000ull, "HBM[0]");
	mem_data(1024 + 48, 3, 1, 7, 9, "stream0");
	mem_data(1024 + 88, 10, 0, 64, 0, "HOST[0]");
	return 1024 + 8 + 3 * 40;
}

int main(void)
{
	struct plbuf_memtopo_bank t[PLBUF_MEMTOPO_MAX];
	size_t len = build();
	void *data;
	size_t dlen;

	CHECK(plbuf__memtopo_from_xclbin(img, len, "a.xclbin", t, PLBUF_MEMTOPO_MAX) == 3);
	CHECK(t[0].index == 0 && t[0].type == PLBUF_MEM_HBM && t[0].used);
	CHECK(t[0].base == 0x4000000000ull && t[0].size == 256ull << 30);
	CHECK(strcmp(t[0].tag, "HBM[0]") == 0);
	CHECK(t[1].type == PLBUF_MEM_STREAMING && t[1].size == 0); /* a route id, not a size */
	CHECK(t[2].index == 2 && t[2].type == PLBUF_MEM_HOST && !t[2].used);

	/* The section alone, as zocl's sysfs gives it; empty before an image is loaded. */
	CHECK(plbuf__memtopo_parse(img + 1024, 128, "mem_topology", t, PLBUF_MEMTOPO_MAX) == 3);
	CHECK(plbuf__memtopo_parse(img, 0, "mem_topology", t, PLBUF_MEMTOPO_MAX) == 0);
	CHECK_ERR(plbuf__memtopo_parse(img + 1024, 127, "mem_topology", t, PLBUF_MEMTOPO_MAX), EINVAL);
	CHECK(strstr(plbuf_errmsg(), "mem_topology"));
	CHECK_ERR(plbuf__memtopo_parse(img + 1024, 128, "mem_topology", t, 2), EINVAL);

	/* Malformed files. */
	CHECK_ERR(plbuf__memtopo_from_xclbin(img, 400, "short.xclbin", t, PLBUF_MEMTOPO_MAX), EINVAL);
	CHECK(strstr(plbuf_errmsg(), "short.xclbin"));
	CHECK_ERR(plbuf__memtopo_from_xclbin(img, len - 1, "cut.xclbin", t, PLBUF_MEMTOPO_MAX),
		  EINVAL);
	printf("cut: %s\n", plbuf_errmsg());
	put32(448, 1000);
	CHECK_ERR(plbuf__memtopo_from_xclbin(img, len, "many.xclbin", t, PLBUF_MEMTOPO_MAX), EINVAL);
	printf("many: %s\n", plbuf_errmsg());
	put32(448, 1);
	CHECK_ERR(plbuf__memtopo_from_xclbin(img, len, "no.xclbin", t, PLBUF_MEMTOPO_MAX), ENOENT);
	CHECK(strstr(plbuf_errmsg(), "MEM_TOPOLOGY"));
	build();
	img[0] = 'X';
	CHECK_ERR(plbuf__memtopo_from_xclbin(img, len, "x.bin", t, PLBUF_MEMTOPO_MAX), EINVAL);
	printf("magic: %s\n", plbuf_errmsg());

	CHECK_ERR(plbuf__memtopo_read_file("/nonexistent/mem_topology", &data, &dlen), ENOENT);
	CHECK(strstr(plbuf_errmsg(), "/nonexistent/mem_topology"));
	CHECK(plbuf__memtopo_read_file("/proc/self/stat", &data, &dlen) == 0 && dlen > 0);
	free(data);
	return 0;
}

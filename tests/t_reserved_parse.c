/* The parsers behind reserved: /proc/iomem lines, region specs, UIO map specs. */
#include "os/physmem.h"
#include "test.h"

int main(void)
{
	struct plbuf_iomem_entry e;
	struct plbuf_region_spec r;
	struct plbuf_uio_spec u;

	CHECK(plbuf__iomem_parse_line("00100000-bfffffff : System RAM\n", &e) == 0);
	CHECK(e.start == 0x100000 && e.end == 0xbfffffff && e.depth == 0);
	CHECK(strcmp(e.name, "System RAM") == 0);
	CHECK(plbuf__iomem_parse_line("    eec00000-eecfffff : PCI Bus 0000:00", &e) == 0);
	CHECK(e.depth == 2 && strcmp(e.name, "PCI Bus 0000:00") == 0);
	CHECK(plbuf__iomem_parse_line("100000000-63fffffff : System RAM", &e) == 0);
	CHECK(e.start == 0x100000000ull && e.end == 0x63fffffffull);
	CHECK(plbuf__iomem_parse_line("4000000000-400007ffff : 0000:00:01.0", &e) == 0);
	CHECK(plbuf__iomem_parse_line("", &e) == -EINVAL);
	CHECK(plbuf__iomem_parse_line("zzzz-0000 : x", &e) == -EINVAL);
	CHECK(plbuf__iomem_parse_line("2000-1000 : backwards", &e) == -EINVAL);
	CHECK(plbuf__iomem_parse_line("1000-2000: no space", &e) == -EINVAL);
	CHECK(plbuf__iomem_parse_line("10000000000000000-1 : too big", &e) == -EINVAL);
	CHECK(plbuf__iomem_parse_line("1000-2000 : a very long name that goes on and on and on and on "
				      "and on past sixty-four characters", &e) == 0);
	CHECK(strlen(e.name) == 63);

#define REG(s) plbuf__region_parse(s, strlen(s), "dflt", &r)
	CHECK(REG("buf@0x8000000:16M") == 0 && r.phys == 0x8000000 && r.size == 16 << 20);
	CHECK(strcmp(r.name, "buf") == 0);
	CHECK(REG("0x8000000:4K") == 0 && strcmp(r.name, "dflt") == 0 && r.size == 4096);
	CHECK(REG("x@134217728:0x1000") == 0 && r.phys == 0x8000000);
	CHECK(REG("buf@0x8000000") == -EINVAL);
	CHECK(REG("buf@:16M") == -EINVAL);
	CHECK(REG("@0x1000:4K") == -EINVAL);
	CHECK(REG("buf@0x1000:0") == -EINVAL);
	CHECK(REG("buf@0xfffffffffffff000:8K") == -EINVAL);
	CHECK(REG("a-name-that-is-longer-than-31-chars@0x1000:4K") == -EINVAL);
	CHECK(REG("") == -EINVAL);
	/* n bounds the spec: the rest of a list is not read. */
	CHECK(plbuf__region_parse("a@0x1000:4K,b@0x2000:4K", 11, "d", &r) == 0 && r.phys == 0x1000);

#define UIO(s) plbuf__uio_spec_parse(s, strlen(s), &u)
	CHECK(UIO("uio0") == 0 && strcmp(u.dev, "uio0") == 0 && u.map == 0 && !u.name[0]);
	CHECK(UIO("uio12:3") == 0 && strcmp(u.dev, "uio12") == 0 && u.map == 3);
	CHECK(UIO("buf@uio1:map2") == 0 && strcmp(u.name, "buf") == 0 && u.map == 2);
	CHECK(UIO("dma-buf") == 0 && strcmp(u.dev, "dma-buf") == 0);
	CHECK(UIO("uio0:") == -EINVAL);
	CHECK(UIO("uio0:-1") == -EINVAL);
	CHECK(UIO("uio0:1x") == -EINVAL);
	CHECK(UIO(":1") == -EINVAL);
	CHECK(UIO("a b") == -EINVAL);
	CHECK(UIO("") == -EINVAL);
	return 0;
}

/*
 * Fuzzes the reserved backend's parsers: /proc/iomem (plbuf__iomem_parse_line and the System RAM
 * check on a whole file), region specs "NAME@PHYS:SIZE" (plbuf__region_parse), UIO map specs
 * "[NAME@]uioN[:M]" (plbuf__uio_spec_parse) and a UIO device's map attributes in a fixture tree
 * (plbuf__uio_map_read).
 *
 * Input: 16 bytes (start and size of the region checked against iomem), then fields separated
 * by '|': iomem file, region spec, UIO spec, uio0/name, map addr, map size, map offset.
 */
#include "fuzz.h"
#include "os/physmem.h"
#include "internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_in in = {data, size};
	struct plbuf_iomem_entry e;
	struct plbuf_region_spec r;
	struct plbuf_uio_spec u;
	struct plbuf_uio_map m;
	char *s, *f[7];
	int err;

	if (size > 8192)
		return 0;
	uint64_t start = fz_take(&in, 8), len = fz_take(&in, 8);

	s = fz_str(in.p, in.n);
	fz_split(s, '|', f, 7);

	/* iomem, line by line and as a file */
	for (char *line = f[0]; *line;) {
		size_t n = strcspn(line, "\n");
		char save = line[n];

		line[n] = 0;
		if (plbuf__iomem_parse_line(line, &e) == 0) {
			FZ_CHECK(e.start <= e.end && e.depth >= 0);
			FZ_CHECK(memchr(e.name, 0, sizeof(e.name)));
		}
		line[n] = save;
		line += n + (save != 0);
	}
	fz_write("/proc/iomem", f[0], strlen(f[0]));
	if (len && start + len - 1 >= start) {
		fz_clear_msg();
		err = plbuf__iomem_check("/proc/iomem", start, len, "fuzz");
		FZ_CHECK(err == 0 || ((err == -EINVAL || err == -EPERM) && plbuf_errmsg()[0]));
	}

	/* region specs */
	fz_clear_msg();
	if (plbuf__region_parse(f[1], strlen(f[1]), "dflt", &r) == 0) {
		FZ_CHECK(r.size > 0 && r.phys + r.size - 1 >= r.phys);
		FZ_CHECK(r.name[0] && memchr(r.name, 0, sizeof(r.name)));
	} else {
		FZ_CHECK(plbuf_errmsg()[0]);
	}

	/* UIO specs, and the map they name in a fixture tree */
	fz_write("/sys/class/uio/uio0/name", f[3], strlen(f[3]));
	fz_write("/sys/class/uio/uio0/maps/map0/addr", f[4], strlen(f[4]));
	fz_write("/sys/class/uio/uio0/maps/map0/size", f[5], strlen(f[5]));
	if (f[6][0])
		fz_write("/sys/class/uio/uio0/maps/map0/offset", f[6], strlen(f[6]));
	else
		fz_unlink("/sys/class/uio/uio0/maps/map0/offset");
	fz_clear_msg();
	if (plbuf__uio_spec_parse(f[2], strlen(f[2]), &u) == 0) {
		FZ_CHECK(u.dev[0] && u.map >= 0 && memchr(u.name, 0, sizeof(u.name)));
		fz_clear_msg();
		err = plbuf__uio_map_read(&u, &m);
		if (err)
			FZ_CLEAN_ERR(err);
		if (err == 0)
			FZ_CHECK(m.uio >= 0);
	} else {
		FZ_CHECK(plbuf_errmsg()[0]);
	}
	free(s);
	return 0;
}

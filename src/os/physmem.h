/*
 * physmem.h - physical memory regions as the kernel and the user describe them: /proc/iomem lines,
 * region specs ("NAME@PHYS:SIZE"), UIO map specs ("uio0:1") and UIO map attributes.  Small pure
 * parsers, declared here so that tests and fuzzers can call them directly.
 */
#ifndef PLBUF_PHYSMEM_H
#define PLBUF_PHYSMEM_H

#include <stddef.h>
#include <stdint.h>

#include "plbuf.h"

/* One line of /proc/iomem, e.g. "  00100000-bfffffff : System RAM".  depth is the nesting level
 * (two spaces per level), end is inclusive. */
struct plbuf_iomem_entry {
	uint64_t start, end;
	int depth;
	char name[64];
};
/* Returns 0, or -EINVAL for a line that is not "START-END : NAME" in hex. */
int plbuf__iomem_parse_line(const char *line, struct plbuf_iomem_entry *e);

/* Checks that [start, start + size) overlaps no "System RAM" range of the iomem file at path (a
 * path under PLBUF_ROOT, normally "/proc/iomem").  Returns 0; -EINVAL with a message naming the
 * conflicting range; -EPERM when the file shows every address as 0 (the kernel hides them from
 * readers without CAP_SYS_ADMIN); -errno when it cannot be read.  who prefixes the messages. */
int plbuf__iomem_check(const char *path, uint64_t start, uint64_t size, const char *who);

/* A region given by the user: "NAME@PHYS:SIZE", or "PHYS:SIZE" (named dflt_name).  Sizes take
 * the K/M/G suffixes.  Returns 0 or -EINVAL with a message. */
struct plbuf_region_spec {
	char name[PLBUF_NAMELEN];
	uint64_t phys, size;
};
int plbuf__region_parse(const char *s, size_t n, const char *dflt_name,
			struct plbuf_region_spec *out);

/* A UIO map given by the user: "[NAME@]DEV[:M]" where DEV is "uioN" or the name of a UIO device
 * (/sys/class/uio/uioN/name) and M is a map index ("1" or "map1", default 0).  Fills dev (the
 * DEV text), map and name ("" when not given).  Returns 0 or -EINVAL with a message. */
struct plbuf_uio_spec {
	char name[PLBUF_NAMELEN];
	char dev[64];
	int map;
};
int plbuf__uio_spec_parse(const char *s, size_t n, struct plbuf_uio_spec *out);

/* The attributes of /sys/class/uio/<uio>/maps/map<M>/: addr, size and offset (0 when the kernel
 * has no offset attribute).  Resolves a device name to uioN.  Returns 0 or -errno with a message
 * naming the file. */
struct plbuf_uio_map {
	int uio;                 /* N of /dev/uioN */
	uint64_t addr, size, offset;
};
int plbuf__uio_map_read(const struct plbuf_uio_spec *spec, struct plbuf_uio_map *out);
/* N for "uioN", or the uioN whose name attribute is dev; -ENOENT with a message. */
int plbuf__uio_index(const char *dev);

#endif

/*
 * physmem.c - see physmem.h.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backend.h"
#include "internal.h"
#include "os/physmem.h"
#include "os/sys.h"

#define SPEC_MAX 128 /* the longest region or UIO map spec, and its NUL */

static int parse_hex(const char *s, const char **end, uint64_t *out)
{
	uint64_t v = 0;
	int n = 0;

	for (; isxdigit((unsigned char)*s); s++, n++) {
		if (v >> 60)
			return -EINVAL;
		v = v << 4 | (uint64_t)(isdigit((unsigned char)*s) ? *s - '0'
							   : tolower((unsigned char)*s) - 'a' + 10);
	}
	*end = s;
	*out = v;
	return n ? 0 : -EINVAL;
}

int plbuf__iomem_parse_line(const char *line, struct plbuf_iomem_entry *e)
{
	const char *p = line;
	int spaces = 0;
	size_t len;

	while (*p == ' ') {
		p++;
		spaces++;
	}
	if (parse_hex(p, &p, &e->start) < 0 || *p++ != '-' || parse_hex(p, &p, &e->end) < 0)
		return -EINVAL;
	if (strncmp(p, " : ", 3) != 0 || e->end < e->start)
		return -EINVAL;
	p += 3;
	len = strcspn(p, "\n");
	if (len >= sizeof(e->name))
		len = sizeof(e->name) - 1;
	memcpy(e->name, p, len);
	e->name[len] = 0;
	e->depth = spaces / 2;
	return 0;
}

int plbuf__iomem_check(const char *path, uint64_t start, uint64_t size, const char *who)
{
	char full[4096], line[256];
	struct plbuf_iomem_entry e;
	uint64_t last = start + size - 1;
	int nonzero = 0, err = 0;
	FILE *f = plbuf__sys_fopen(plbuf__path(full, sizeof(full), path), "re");

	if (!f)
		return plbuf__err(errno, "%s: cannot read %s to check that the region is not System RAM: "
				  "%s", who, full, strerror(errno));
	while (!err && fgets(line, sizeof(line), f)) {
		if (plbuf__iomem_parse_line(line, &e) < 0)
			continue;
		if (e.start || e.end)
			nonzero = 1;
		if (strcmp(e.name, "System RAM") == 0 && e.start <= last && start <= e.end &&
		    (e.start || e.end))
			err = plbuf__err(EINVAL, "%s: region 0x%llx-0x%llx overlaps System RAM "
					 "0x%llx-0x%llx in %s: the kernel uses that memory; reserve the "
					 "region first (memmap=SIZE$ADDR on x86, a reserved-memory node in "
					 "the device tree) and give its exact address", who,
					 (unsigned long long)start, (unsigned long long)last,
					 (unsigned long long)e.start, (unsigned long long)e.end, full);
	}
	fclose(f);
	if (!err && !nonzero)
		err = plbuf__err(EPERM, "%s: %s shows every address as 0: the kernel shows them only to "
				 "root (CAP_SYS_ADMIN), and without them the region cannot be checked "
				 "against System RAM; run as root", who, full);
	return err;
}

static int valid_name(const char *s, size_t n)
{
	if (n == 0 || n >= PLBUF_NAMELEN)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && !strchr("_-.", s[i]))
			return 0;
	return 1;
}

/* Copies s[0, n) into tmp and finds its optional "NAME@": returns what follows it (all of tmp
 * without one), *at the '@' or NULL; NULL when s is empty or longer than tmp can hold. */
static char *split_name(const char *s, size_t n, char tmp[SPEC_MAX], char **at)
{
	if (n == 0 || n >= SPEC_MAX)
		return NULL;
	memcpy(tmp, s, n);
	tmp[n] = 0;
	*at = strchr(tmp, '@');
	return *at ? *at + 1 : tmp;
}

int plbuf__region_parse(const char *s, size_t n, const char *dflt_name,
			struct plbuf_region_spec *out)
{
	char tmp[SPEC_MAX], *at, *colon, *addr = split_name(s, n, tmp, &at);

	if (!addr)
		return plbuf__err(EINVAL, "reserved: region \"%.*s\" is not NAME@PHYS:SIZE", (int)n, s);
	memset(out, 0, sizeof(*out));
	colon = strchr(addr, ':');
	if (!colon || (at && !valid_name(tmp, (size_t)(at - tmp))))
		return plbuf__err(EINVAL, "reserved: region \"%s\" is not NAME@PHYS:SIZE (NAME: letters, "
				  "digits, _-. up to %d characters; e.g. buf@0x8000000:16M)", tmp,
				  PLBUF_NAMELEN - 1);
	*colon = 0;
	if (plbuf__parse_size(addr, &out->phys) < 0 || plbuf__parse_size(colon + 1, &out->size) < 0 ||
	    out->size == 0)
		return plbuf__err(EINVAL, "reserved: region \"%.*s\": bad address \"%s\" or size \"%s\"",
				  (int)n, s, addr, colon + 1);
	if (out->phys + out->size - 1 < out->phys)
		return plbuf__err(EINVAL, "reserved: region \"%.*s\" runs past the end of the address "
				  "space", (int)n, s);
	if (at) {
		*at = 0;
		snprintf(out->name, sizeof(out->name), "%.31s", tmp);
	} else {
		snprintf(out->name, sizeof(out->name), "%.31s", dflt_name);
	}
	return 0;
}

int plbuf__uio_spec_parse(const char *s, size_t n, struct plbuf_uio_spec *out)
{
	char tmp[SPEC_MAX], *at, *dev = split_name(s, n, tmp, &at), *colon, *end;

	if (!dev)
		return plbuf__err(EINVAL, "reserved: UIO map \"%.*s\" is not [NAME@]uioN[:M]", (int)n, s);
	memset(out, 0, sizeof(*out));
	colon = strchr(dev, ':');
	if (colon) {
		const char *m = colon + 1;
		long v;

		if (strncmp(m, "map", 3) == 0)
			m += 3;
		errno = 0;
		v = strtol(m, &end, 10);
		if (!isdigit((unsigned char)*m) || *end || errno || v > 4096)
			return plbuf__err(EINVAL, "reserved: UIO map \"%s\": \"%s\" is not a map index",
					  tmp, colon + 1);
		out->map = (int)v;
		*colon = 0;
	}
	if (!valid_name(dev, strlen(dev)) || (at && !valid_name(tmp, (size_t)(at - tmp))))
		return plbuf__err(EINVAL, "reserved: UIO map \"%.*s\" is not [NAME@]uioN[:M] (N: the "
				  "number of /dev/uioN, or the device's name; M: the map index)", (int)n, s);
	snprintf(out->dev, sizeof(out->dev), "%.63s", dev);
	if (at) {
		*at = 0;
		snprintf(out->name, sizeof(out->name), "%.31s", tmp);
	}
	return 0;
}

int plbuf__uio_index(const char *dev)
{
	char path[4096], name[128], attr[300], unread[400];
	struct dirent *e;
	int found = -1, unread_err = 0;
	DIR *d;

	if (strncmp(dev, "uio", 3) == 0 && dev[3] && strspn(dev + 3, "0123456789") == strlen(dev + 3)) {
		/* A name may hold 28 digits, an int 9 safely (atoi of more wrapped to a negative
		 * "error" with no message). */
		if (strlen(dev + 3) > 9)
			return plbuf__err(ENOENT, "reserved: there is no UIO device %s (ls /sys/class/uio "
					  "lists them)", dev);
		return atoi(dev + 3);
	}
	d = plbuf__sys_opendir(plbuf__path(path, sizeof(path), "/sys/class/uio"));
	if (!d && errno != ENOENT)
		return plbuf__err(errno, "reserved: cannot look for UIO device %s: cannot open %s: %s",
				  dev, path, strerror(errno));
	if (!d)
		return plbuf__err(ENOENT, "reserved: no UIO device named %s: %s is missing (load the "
				  "UIO driver: uio_pdrv_genirq with a device-tree node, or uio_dmem_genirq)",
				  dev, path);
	while (found < 0 && (e = readdir(d)) != NULL) {
		if (strncmp(e->d_name, "uio", 3) != 0)
			continue;
		snprintf(attr, sizeof(attr), "/sys/class/uio/%s/name", e->d_name);
		int r = plbuf__read_attr(attr, name, sizeof(name));

		/* An unreadable name may be the one asked for: say so rather than "no device". */
		if (r < 0 && r != -ENOENT && !unread_err) {
			unread_err = r;
			snprintf(unread, sizeof(unread), "%s", plbuf_errmsg());
		}
		if (r >= 0 && strcmp(name, dev) == 0)
			found = atoi(e->d_name + 3);
	}
	closedir(d);
	if (found < 0 && unread_err)
		return plbuf__err(unread_err, "reserved: no readable UIO device named %s in %s; one "
				  "name could not be read: %s", dev, path, unread);
	if (found < 0)
		return plbuf__err(ENOENT, "reserved: no UIO device named %s in %s (each uioN/name holds "
				  "a name; give uioN or one of those names)", dev, path);
	return found;
}

int plbuf__uio_map_read(const struct plbuf_uio_spec *spec, struct plbuf_uio_map *out)
{
	char dir[128], path[192], full[4096];
	int err, uio = plbuf__uio_index(spec->dev);

	if (uio < 0)
		return uio;
	memset(out, 0, sizeof(*out));
	out->uio = uio;
	snprintf(dir, sizeof(dir), "/sys/class/uio/uio%d/maps/map%d", uio, spec->map);
	if (access(plbuf__path(full, sizeof(full), dir), F_OK) != 0) {
		snprintf(path, sizeof(path), "/sys/class/uio/uio%d", uio);
		if (access(plbuf__path(full, sizeof(full), path), F_OK) != 0)
			return plbuf__err(ENOENT, "reserved: there is no UIO device uio%d (%s is "
					  "missing; ls /sys/class/uio lists them)", uio, full);
		return plbuf__err(ENOENT, "reserved: uio%d has no map%d (%s is missing; ls %s/maps lists "
				  "its maps)", uio, spec->map, plbuf__path(path, sizeof(path), dir), full);
	}
	snprintf(path, sizeof(path), "%s/addr", dir);
	if ((err = plbuf__read_attr_u64(path, &out->addr)) < 0)
		return err;
	snprintf(path, sizeof(path), "%s/size", dir);
	if ((err = plbuf__read_attr_u64(path, &out->size)) < 0)
		return err;
	snprintf(path, sizeof(path), "%s/offset", dir);
	if (plbuf__read_attr_u64(path, &out->offset) < 0)
		out->offset = 0; /* kernels before 3.x have no offset attribute */
	return 0;
}

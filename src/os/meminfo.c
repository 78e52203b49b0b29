/* meminfo.c - see meminfo.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend.h"
#include "os/meminfo.h"
#include "os/sys.h"

int plbuf__meminfo(const char *field, uint64_t *out)
{
	char path[4096], line[128];
	size_t n = strlen(field);
	int err = -ENOENT;
	FILE *f = plbuf__sys_fopen(plbuf__path(path, sizeof(path), "/proc/meminfo"), "re");

	if (!f)
		return -errno;
	while (err == -ENOENT && fgets(line, sizeof(line), f)) {
		char *end;
		unsigned long long v;
		int kb;

		if (strncmp(line, field, n) != 0 || line[n] != ':')
			continue;
		errno = 0;
		v = strtoull(line + n + 1, &end, 10);
		kb = strncmp(end, " kB", 3) == 0;
		if (end == line + n + 1)
			err = -EINVAL;
		else if (errno || (kb && v > UINT64_MAX >> 10))
			err = -ERANGE;
		else {
			*out = kb ? (uint64_t)v << 10 : (uint64_t)v;
			err = 0;
		}
	}
	fclose(f);
	return err;
}

uint64_t plbuf__buddy_max_block(void)
{
	char path[4096], line[512], *save = NULL;
	int orders = 0;
	FILE *f = plbuf__sys_fopen(plbuf__path(path, sizeof(path), "/proc/buddyinfo"), "re");

	if (!f)
		return 0;
	if (fgets(line, sizeof(line), f)) {
		char *p = strstr(line, "zone");

		/* "Node 0, zone   Normal   c0 c1 ... c10" */
		if (p && (p = strtok_r(p + 4, " \t\n", &save)) != NULL)
			while ((p = strtok_r(NULL, " \t\n", &save)) != NULL)
				orders++;
	}
	fclose(f);
	return orders > 0 && orders < 40 ? (uint64_t)plbuf__page_size() << (orders - 1) : 0;
}

uint64_t plbuf__pcp_free(void)
{
	char path[4096], line[256];
	unsigned long long n, sum = 0;
	FILE *f = plbuf__sys_fopen(plbuf__path(path, sizeof(path), "/proc/zoneinfo"), "re");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, " count: %llu", &n) == 1)
			sum += n;
	fclose(f);
	return (uint64_t)sum * plbuf__page_size();
}

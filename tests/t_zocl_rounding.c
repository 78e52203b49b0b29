/* zocl: the fixture rounds BOs as zocl_bo.c does (page-aligned; one page or less becomes two),
 * and the backend takes the size INFO_BO reports, mapping and using the whole BO. */
#include <fcntl.h>
#include <unistd.h>

#include "test.h"
#include "context.h"
#include "fixture.h"
#include "shim_zocl.h"

extern const struct plbuf_backend plbuf__backend_zocl;

static uint64_t created(int fd, uint64_t size, int *err)
{
	struct shim_create_bo c = { .size = size, .handle = 0xffffffff, .flags = 0 };
	struct shim_info_bo i = { 0 };
	struct shim_gem_close g = { 0 };

	*err = 0;
	if (ioctl(fd, SHIM_ZOCL_CREATE_BO, &c) < 0) {
		*err = errno;
		return 0;
	}
	i.handle = g.handle = c.handle;
	CHECK(ioctl(fd, SHIM_ZOCL_INFO_BO, &i) == 0);
	CHECK(ioctl(fd, SHIM_DRM_IOCTL_GEM_CLOSE, &g) == 0);
	return i.size;
}

int main(void)
{
	uint64_t pg = (uint64_t)sysconf(_SC_PAGESIZE);
	char node[4096];
	struct plbuf_chunk ch;
	plbuf_ctx *ctx;
	int fd, err;

	shim_zocl_setup(NULL);
	fd = open(fx_path(node, sizeof(node), "/dev/dri/renderD128"), O_RDWR);
	CHECK(fd >= 0);
	CHECK(created(fd, 1, &err) == 2 * pg);
	CHECK(created(fd, 100, &err) == 2 * pg);
	CHECK(created(fd, pg, &err) == 2 * pg);
	CHECK(created(fd, pg + 1, &err) == 2 * pg);
	CHECK(created(fd, 2 * pg + 1, &err) == 3 * pg);
	CHECK(created(fd, 0, &err) == 0 && err == EINVAL);
	close(fd);
	CHECK(shim_zocl_live_bos() == 0);

	/* A one-page chunk comes back as the two pages zocl made, both mapped. */
	ctx = plbuf_open("zocl", NULL);
	CHECK(ctx);
	memset(&ch, 0, sizeof(ch));
	CHECK(plbuf__backend_zocl.chunk_alloc(ctx, 0, pg, pg, UINT64_MAX, 1, &ch) == 0);
	printf("asked %llu bytes, chunk of %llu at 0x%llx\n", (unsigned long long)pg,
	       (unsigned long long)ch.size, (unsigned long long)ch.dev);
	CHECK(ch.size == 2 * pg);
	CHECK(shim_zocl_last_bo()->asked == pg && shim_zocl_last_bo()->size == 2 * pg);
	CHECK(ch.dev == shim_zocl_last_bo()->paddr && ch.phys == ch.dev);
	memset(ch.va, 0x5a, (size_t)ch.size); /* faults if the second page were not mapped */
	unsigned char last;
	CHECK(shim_zocl_read(shim_zocl_last_bo()->handle, 2 * pg - 1, &last, 1) == 0 && last == 0x5a);
	plbuf__backend_zocl.chunk_free(ctx, &ch);
	CHECK(shim_zocl_live_bos() == 0);
	plbuf_close(ctx);
	shim_zocl_teardown();
	return 0;
}

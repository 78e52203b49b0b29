/*
 * Fuzzes the allocator as a whole through the public API on a sim context: a sequence of
 * allocations (sizes, dtypes, alignments, banks, cacheability, device-address limits), frees,
 * double frees, views and syncs.  Checked after every step: a buffer lies inside its bank, is
 * aligned and below its limit, overlaps no live buffer (by device address), keeps the bytes
 * written into it, and reaches the device side when flushed; a failure is a clean ENOMEM/ERANGE
 * with a message; freeing everything gives every bank back its free bytes and largest block.
 *
 * Input: operations of 4 bytes: kind, size, a, b.
 */
#include "fuzz.h"
#include "plbuf.h"

#define LIVE 128
#define NBANKS 2

static plbuf_ctx *ctx;
static plbuf_sim_dev *dev;
static struct plbuf_bank_info start[NBANKS];

struct live {
	plbuf_buf *b;
	uint64_t dev, len;
	uint8_t tag;
};

struct view {
	plbuf_buf *v;
	uint64_t bdev, blen; /* its base's memory, held until the last view goes */
};

static int disjoint(uint64_t d, uint64_t n, uint64_t d2, uint64_t n2)
{
	return d + n <= d2 || d2 + n2 <= d;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	ctx = plbuf_open("sim", "banks=A@0x100000:1M,B@0x40000000:2M:coherent");
	if (!ctx || !(dev = plbuf_sim_attach(plbuf_sim_name(ctx)))) {
		fprintf(stderr, "fz_pool: %s\n", plbuf_errmsg());
		abort();
	}
	for (int i = 0; i < NBANKS; i++)
		FZ_CHECK(plbuf_ctx_bank(ctx, i, &start[i]) == 0);
	return 0;
}

static const char *const dtypes[] = {"u1", "<f8", ">i2", "S7", "(3,)u2", "c16", "V5", "u4,u1"};
static const char *const slices[] = {"::2", "1:", "::-1", "-1", "...", "None, 1:3", "2:1", "0"};

static uint64_t size_of(unsigned s)
{
	/* 1 byte .. ~1.5 MiB, dense where the slab classes change */
	return s < 128 ? 1 + s * 3 : (uint64_t)(64 + (s & 31) * 7) << ((s >> 5) + 4);
}

static void check_bytes(const struct live *l)
{
	const uint8_t *p = plbuf_data(l->b);

	FZ_CHECK(p[l->len - 1] == (uint8_t)~l->tag && (l->len == 1 || p[0] == l->tag));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_in in = {data, size};
	struct live live[LIVE];
	struct view views[LIVE];
	int nlive = 0, nviews = 0;

	if (size > 4 * 400)
		return 0;
	while (in.n >= 4) {
		unsigned kind = (unsigned)fz_take(&in, 1) % 6, s = (unsigned)fz_take(&in, 1);
		unsigned a = (unsigned)fz_take(&in, 1), b = (unsigned)fz_take(&in, 1);

		if (kind <= 1 && nlive < LIVE) { /* allocate */
			struct plbuf_alloc_opts o = {0};
			const char *dt = dtypes[a % 8];
			int64_t n = (int64_t)size_of(s);
			static const char *const banks[] = {NULL, "A", "B", "nope"};

			o.cacheable = (int)(a >> 3) % 3;
			o.bank = banks[(a >> 5) & 3];
			o.alignment = b & 0x80 ? 0 : 1ull << (b % 24);
			o.zero = (a >> 7) & 1;
			if (b & 0x40)
				o.max_device_address = ((a >> 5) & 3) == 2 ? 0x40000000 + ((uint64_t)s << 13)
									 : 0x100000 + ((uint64_t)s << 12);
			fz_clear_msg();
			plbuf_buf *buf = plbuf_allocate(ctx, 1, &n, dt, &o);

			if (!buf) {
				FZ_CHECK(errno == ENOMEM || errno == ERANGE || errno == ENOENT ||
					 errno == EINVAL);
				FZ_CHECK(plbuf_errmsg()[0]);
				continue;
			}
			struct live *l = &live[nlive];
			struct plbuf_bank_info bi;
			int bank = strcmp(plbuf_bank(buf), "A") == 0 ? 0 : 1;

			l->b = buf;
			l->dev = plbuf_device_address(buf);
			l->len = plbuf_nbytes(buf);
			l->tag = (uint8_t)(s ^ b);
			FZ_CHECK(plbuf_ctx_bank(ctx, bank, &bi) == 0);
			FZ_CHECK(l->dev >= bi.base && l->dev + l->len <= bi.base + bi.size);
			if (o.alignment)
				FZ_CHECK((l->dev & (o.alignment - 1)) == 0);
			if (o.max_device_address)
				FZ_CHECK(l->dev + l->len - 1 <= o.max_device_address);
			for (int i = 0; i < nlive; i++)
				FZ_CHECK(disjoint(l->dev, l->len, live[i].dev, live[i].len));
			for (int i = 0; i < nviews; i++)
				FZ_CHECK(disjoint(l->dev, l->len, views[i].bdev, views[i].blen));
			if (o.zero) {
				const uint8_t *p = plbuf_data(buf);

				FZ_CHECK(p[0] == 0 && p[l->len - 1] == 0);
			}
			((uint8_t *)plbuf_data(buf))[0] = l->tag;
			((uint8_t *)plbuf_data(buf))[l->len - 1] = (uint8_t)~l->tag;
			nlive++;
		} else if (kind == 2 && nlive) { /* free, then free again */
			int i = (int)(s % (unsigned)nlive);

			check_bytes(&live[i]);
			FZ_CHECK(plbuf_free(live[i].b) == 0);
			FZ_CHECK(plbuf_free(live[i].b) == -EBADF);
			live[i] = live[--nlive];
		} else if (kind == 3 && nlive) { /* flush; the device sees the bytes */
			struct live *l = &live[s % (unsigned)nlive];
			uint8_t x[2];

			check_bytes(l);
			FZ_CHECK(plbuf_flush(l->b) == 0);
			FZ_CHECK(plbuf_sim_read(dev, l->dev, &x[0], 1) == 0);
			FZ_CHECK(plbuf_sim_read(dev, l->dev + l->len - 1, &x[1], 1) == 0);
			FZ_CHECK(x[1] == (uint8_t)~l->tag && (l->len == 1 || x[0] == l->tag));
			FZ_CHECK(plbuf_invalidate(l->b) == 0);
			check_bytes(l);
		} else if (kind == 4 && nlive && nviews < LIVE) { /* a view stays inside its base */
			struct live *l = &live[s % (unsigned)nlive];
			fz_clear_msg();
			plbuf_buf *v = plbuf_view(l->b, slices[a % 8]);
			int64_t lo, hi;

			if (!v) {
				FZ_CHECK(errno == EINVAL && plbuf_errmsg()[0]);
				continue;
			}
			plbuf_span(v, &lo, &hi);
			if (lo < hi) {
				uint64_t d = plbuf_device_address(v);

				FZ_CHECK(d + (uint64_t)lo >= l->dev && d + (uint64_t)hi <= l->dev + l->len);
				FZ_CHECK(plbuf_flush(v) == 0 && plbuf_invalidate(v) == 0);
			}
			views[nviews].v = v;
			views[nviews].bdev = l->dev;
			views[nviews++].blen = l->len;
		} else if (kind == 5 && nviews) { /* free a view (its base may be gone already) */
			int i = (int)(s % (unsigned)nviews);

			FZ_CHECK(plbuf_free(views[i].v) == 0);
			views[i] = views[--nviews];
		}
	}
	while (nlive) {
		check_bytes(&live[nlive - 1]);
		FZ_CHECK(plbuf_free(live[--nlive].b) == 0);
	}
	while (nviews)
		FZ_CHECK(plbuf_free(views[--nviews].v) == 0);
	for (int i = 0; i < NBANKS; i++) {
		struct plbuf_bank_info now;

		FZ_CHECK(plbuf_ctx_bank(ctx, i, &now) == 0);
		FZ_CHECK(now.free == start[i].free && now.largest == start[i].largest);
	}
	return 0;
}

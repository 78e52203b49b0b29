/* The sim's cache model against a small reference model, byte for byte: every start offset within
 * a line, every length from 1 byte to 3 lines, flush and invalidate, as a range of a buffer, as a
 * view, and as a buffer of exactly that size, in a non-coherent and a coherent bank, with lines of
 * 64 bytes and of 16, 32 and 128 (each takes its own path through the model).  Before each
 * operation the CPU dirties some lines and the device writes some bytes (chosen by a fixed
 * pseudo-random sequence); after it, the CPU's view and device memory must be what the reference
 * says.  The reference is a write-back cache as the DMA API sees it: a line is dirty when the CPU
 * changed it since it was last filled or cleaned; flush writes back the dirty lines the range
 * touches; invalidate writes back a partial edge line only if it is dirty, then refills every line
 * the range touches from memory.  Hence the promise: a device write followed by an
 * invalidate is always seen by the CPU, whatever the alignment. */
#include <stdint.h>

#include "test.h"

/* The line size: 64, and 16, 32 and 128 as well, since the sim's flush and invalidate take a
 * different path by line size (src/sim_check.c: AVX2 registers per line on x86-64, memcpy runs
 * elsewhere and for 16-byte lines). */
static int L = 64;
#define LMAX 128
#define NB (5 * L) /* the buffer: the range starts in its second line */

static uint8_t ref_cpu[5 * LMAX], ref_clean[5 * LMAX], ref_dev[5 * LMAX];
static uint32_t rnd = 12345;

static uint32_t next(void)
{
	rnd = rnd * 1103515245u + 12345u;
	return rnd >> 8;
}

static int ref_dirty(int line)
{
	return memcmp(ref_cpu + line * L, ref_clean + line * L, L) != 0;
}

static void ref_writeback(int line)
{
	memcpy(ref_dev + line * L, ref_cpu + line * L, L);
	memcpy(ref_clean + line * L, ref_cpu + line * L, L);
}

/* [off, off + len) of a buffer of nb bytes (lines beyond nb are not the buffer's). */
static void ref_sync(int coherent, int inval, int off, int len)
{
	int first = off / L, last = (off + len - 1) / L;

	if (coherent)
		return;
	for (int l = first; l <= last; l++) {
		int partial = (l == first && off % L) || (l == last && (off + len) % L);

		if (!inval || partial)
			if (ref_dirty(l))
				ref_writeback(l);
	}
	if (inval)
		for (int l = first; l <= last; l++) {
			memcpy(ref_cpu + l * L, ref_dev + l * L, L);
			memcpy(ref_clean + l * L, ref_dev + l * L, L);
		}
}

struct setup {
	plbuf_ctx *ctx;
	plbuf_sim_dev *dev;
	int coherent;
};

/* Brings buffer memory p (device view d, nb bytes) to a known state, then lets the CPU dirty
 * some lines and the device write some bytes, mirroring everything in the reference. */
static void prepare(const struct setup *s, plbuf_buf *b, uint8_t *p, uint8_t *d, int nb)
{
	for (int i = 0; i < nb; i++)
		p[i] = ref_cpu[i] = (uint8_t)next();
	CHECK(plbuf_flush(b) == 0);
	memcpy(ref_dev, ref_cpu, (size_t)nb);
	memcpy(ref_clean, ref_cpu, (size_t)nb);
	if (s->coherent)
		memcpy(ref_dev, ref_cpu, (size_t)nb);
	for (int l = 0; l < nb / L; l++) {
		uint32_t r = next();

		if (r & 1) { /* the CPU writes a byte of this line */
			int i = l * L + (int)(next() % L);

			p[i] = ref_cpu[i] = (uint8_t)(ref_cpu[i] + 1 + next() % 200);
			if (s->coherent)
				ref_dev[i] = ref_cpu[i];
		}
		if (r & 2) { /* the device writes a few bytes of this line */
			int i = l * L + (int)(next() % L), n = 1 + (int)(next() % 8);

			for (int k = i; k < i + n && k < (l + 1) * L; k++) {
				d[k] = ref_dev[k] = (uint8_t)(ref_dev[k] + 1 + next() % 200);
				if (s->coherent)
					ref_cpu[k] = ref_clean[k] = ref_dev[k];
			}
		}
	}
}

static void compare(const uint8_t *p, const uint8_t *d, int nb, const char *what, int off, int len,
		    int inval)
{
	for (int i = 0; i < nb; i++)
		if (p[i] != ref_cpu[i] || d[i] != ref_dev[i]) {
			fprintf(stderr, "%s %s of [%d, +%d): byte %d: cpu %u dev %u, reference cpu %u "
				"dev %u\n", what, inval ? "invalidate" : "flush", off, len, i, p[i],
				d[i], ref_cpu[i], ref_dev[i]);
			exit(T_EXIT_FAIL);
		}
}

static long run(struct setup *s)
{
	int64_t n = NB;
	plbuf_buf *b = plbuf_allocate(s->ctx, 1, &n, "u1", NULL);
	long cases = 0;

	CHECK(b && plbuf_coherent(b) == s->coherent);
	uint8_t *p = plbuf_data(b), *d = plbuf_sim_translate(s->dev, plbuf_device_address(b), NB);

	CHECK(d && plbuf_device_address(b) % L == 0);
	for (int len = 1; len <= 3 * L; len++)
		for (int o = 0; o < L; o++)
			for (int inval = 0; inval < 2; inval++) {
				int off = L + o;
				char slice[32];

				/* a range of the buffer */
				prepare(s, b, p, d, NB);
				CHECK((inval ? plbuf_invalidate_range(b, off, (uint64_t)len)
					     : plbuf_flush_range(b, off, (uint64_t)len)) == 0);
				ref_sync(s->coherent, inval, off, len);
				compare(p, d, NB, "range", off, len, inval);
				/* a view of the same bytes */
				prepare(s, b, p, d, NB);
				snprintf(slice, sizeof(slice), "%d:%d", off, off + len);
				plbuf_buf *v = plbuf_view(b, slice);

				CHECK(v && plbuf_device_address(v) == plbuf_device_address(b) + (uint64_t)off);
				CHECK((inval ? plbuf_invalidate(v) : plbuf_flush(v)) == 0);
				CHECK(plbuf_free(v) == 0);
				ref_sync(s->coherent, inval, off, len);
				compare(p, d, NB, "view", off, len, inval);
				cases += 2;
			}
	CHECK(plbuf_free(b) == 0);

	/* Buffers of exactly len bytes (the spec's 5 x u4 is len 20): their slot is whole lines, the
	 * bytes past len are nobody's, and the reference covers the slot. */
	for (int len = 1; len <= 3 * L; len++)
		for (int inval = 0; inval < 2; inval++) {
			int64_t m = len;
			plbuf_buf *x = plbuf_allocate(s->ctx, 1, &m, "u1", NULL);
			int slot = (len + L - 1) / L * L;

			CHECK(x);
			uint8_t *xp = plbuf_data(x), *xd = plbuf_sim_translate(s->dev,
							plbuf_device_address(x), (uint64_t)slot);

			CHECK(xd);
			prepare(s, x, xp, xd, slot);
			CHECK((inval ? plbuf_invalidate(x) : plbuf_flush(x)) == 0);
			ref_sync(s->coherent, inval, 0, len);
			compare(xp, xd, slot, "buffer", 0, len, inval);
			CHECK(plbuf_free(x) == 0);
			cases++;
		}
	return cases;
}

/* A CPU store that leaves a line's bytes as they were still dirties it on a board, where a line
 * not in the cache is fetched from DRAM first: memory written behind the CPU's view while free
 * (here by the device) and then allocated as a cached buffer must not look clean to a flush. */
static void reuse_after_device_write(void)
{
	plbuf_ctx *ctx = plbuf_open("sim", "banks=A@0x40000000:1M line=64 check=0");
	plbuf_sim_dev *dev = ctx ? plbuf_sim_attach(plbuf_sim_name(ctx)) : NULL;
	int64_t n = 64;
	plbuf_buf *b = dev ? plbuf_allocate(ctx, 1, &n, "u1", NULL) : NULL;

	CHECK(b);
	uint64_t a = plbuf_device_address(b);
	uint8_t *d = plbuf_sim_translate(dev, a, 64);

	memset(plbuf_data(b), 0x11, 64);
	CHECK(plbuf_flush(b) == 0 && plbuf_free(b) == 0);
	memset(d, 0x22, 64); /* free memory, written by the device */
	b = plbuf_allocate(ctx, 1, &n, "u1", NULL);
	CHECK(b && plbuf_device_address(b) == a);
	memset(plbuf_data(b), 0x11, 64);
	CHECK(plbuf_flush(b) == 0);
	CHECK(d[0] == 0x11 && d[63] == 0x11);
	CHECK(plbuf_free(b) == 0);
	plbuf_sim_detach(dev);
	plbuf_close(ctx);
}

/* A flush and an invalidate of 9 MiB take the path for large ranges (non-temporal stores on
 * x86-64): the CPU dirties even lines, the device writes odd ones; after the flush device memory
 * holds the CPU's even lines and the device's odd ones.  After the invalidate the CPU sees device
 * memory and a flush writes back only what the CPU wrote since. */
static void large_flush(void)
{
	plbuf_ctx *ctx = plbuf_open("sim", "banks=A@0x40000000:16M line=64 check=0");
	plbuf_sim_dev *dev = ctx ? plbuf_sim_attach(plbuf_sim_name(ctx)) : NULL;
	int64_t n = 9 << 20;
	plbuf_buf *b = dev ? plbuf_allocate(ctx, 1, &n, "u1", NULL) : NULL;

	CHECK(b);
	uint8_t *p = plbuf_data(b);
	uint8_t *d = plbuf_sim_translate(dev, plbuf_device_address(b), (uint64_t)n);

	CHECK(d);
	memset(p, 1, (size_t)n);
	CHECK(plbuf_flush(b) == 0);
	for (int64_t i = 0; i < n; i += 64) {
		if ((i / 64) % 2 == 0)
			p[i + (i / 64) % 64] = 2;
		else
			d[i + 5] = 3;
	}
	CHECK(plbuf_flush(b) == 0);
	for (int64_t i = 0; i < n; i += 64)
		for (int64_t k = i; k < i + 64; k++) {
			int even = (i / 64) % 2 == 0;
			uint8_t want = even ? (k == i + (i / 64) % 64 ? 2 : 1) : (k == i + 5 ? 3 : 1);

			if (d[k] != want) {
				fprintf(stderr, "9 MiB flush: device byte %lld is %u, expected %u\n",
					(long long)k, d[k], want);
				exit(T_EXIT_FAIL);
			}
		}
	printf("9 MiB flush: device memory holds the CPU's dirty lines and the device's own\n");
	/* and an invalidate of 9 MiB: the CPU sees device memory, and its clean copy is right (a
	 * line the CPU then writes is written back, one it does not write is left alone) */
	for (int64_t i = 0; i < n; i += 4096)
		d[i + 7] = 9;
	CHECK(plbuf_invalidate(b) == 0);
	CHECK(memcmp(p, d, (size_t)n) == 0);
	p[64] = 10;
	d[128] = 11;
	CHECK(plbuf_flush(b) == 0);
	CHECK(d[64] == 10 && d[128] == 11 && p[128] != 11);
	CHECK(memcmp(p + 192, d + 192, (size_t)n - 192) == 0);
	printf("9 MiB invalidate: the CPU sees device memory, then a flush writes back its write only\n");
	CHECK(plbuf_free(b) == 0);
	plbuf_sim_detach(dev);
	plbuf_close(ctx);
}

/* The whole model for L-byte lines, in a non-coherent or a coherent bank. */
static void model(int coherent)
{
	char opts[128];

	snprintf(opts, sizeof(opts), "banks=A@0x40000000:4M%s line=%d check=0",
		 coherent ? ":coherent" : "", L);
	struct setup s = {plbuf_open("sim", opts), NULL, coherent};

	CHECK(s.ctx && plbuf_ctx_line_size(s.ctx) == (size_t)L);
	s.dev = plbuf_sim_attach(plbuf_sim_name(s.ctx));
	CHECK(s.dev);
	long n = run(&s);

	printf("%d-byte lines, %s bank: %ld cases agree with the reference model\n", L,
	       coherent ? "coherent" : "non-coherent", n);
	plbuf_sim_detach(s.dev);
	plbuf_close(s.ctx);
}

int main(void)
{
	static const int lines[] = {64, 16, 32, LMAX};

	reuse_after_device_write();
	large_flush();
	for (int k = 0; k < 4; k++)
		for (int coherent = 0; coherent < 2; coherent++) {
			L = lines[k];
			model(coherent);
		}
	return 0;
}

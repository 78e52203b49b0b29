/* Exhaustion with every size class, both cacheabilities, alignments, views and several banks:
 * allocating until a bank is full gives a clean ENOMEM (naming the bank, with its free figures)
 * each time and never touches the other banks; a view keeps its base's memory until it goes;
 * freeing everything, in any order, gives each bank back its free bytes and its largest block,
 * which can then be allocated in one piece (and one line more cannot).  Three rounds, so that a
 * leak or a fragmentation that builds up is seen. */
#include <stdlib.h>

#include "test.h"

#define NBANKS 3
#define MAX 40000

static const char *const names[NBANKS] = {"small", "coh", "big"};

static void figures(plbuf_ctx *ctx, struct plbuf_bank_info *out)
{
	for (int i = 0; i < NBANKS; i++)
		CHECK(plbuf_ctx_bank(ctx, i, &out[i]) == 0);
}

static void shuffle(plbuf_buf **b, int n, unsigned *seed)
{
	for (int i = 0; i < n; i++) {
		int j = i + (int)(rand_r(seed) % (unsigned)(n - i));
		plbuf_buf *t = b[i];

		b[i] = b[j];
		b[j] = t;
	}
}

/* Fills bank k with a mix of sizes until 40 allocations in a row fail. */
static int fill(plbuf_ctx *ctx, int k, plbuf_buf **bufs, unsigned *seed)
{
	int n = 0, fails = 0;

	while (n < MAX && fails < 40) {
		struct plbuf_alloc_opts o = {0};
		int cls = (int)(rand_r(seed) % 12);
		/* 64 B .. 64 KiB slabs, and now and then a large range */
		int64_t sz = cls == 11 ? 65537 + (int64_t)(rand_r(seed) % (1u << 20))
				       : 1 + (int64_t)(rand_r(seed) % (64u << cls));

		o.bank = names[k];
		o.cacheable = 1 + (int)(rand_r(seed) % 2);
		o.alignment = rand_r(seed) % 4 == 0 ? 4096 : 0;
		plbuf_buf *b = plbuf_allocate(ctx, 1, &sz, "u1", &o);

		if (!b) {
			CHECK(errno == ENOMEM && strstr(plbuf_errmsg(), names[k]) &&
			      strstr(plbuf_errmsg(), "free"));
			fails++;
			continue;
		}
		CHECK(strcmp(plbuf_bank(b), names[k]) == 0);
		bufs[n++] = b;
	}
	CHECK(fails == 40 && n > 4);
	return n;
}

int main(void)
{
	plbuf_ctx *ctx = plbuf_open("sim", "banks=small@0x100000:1M,coh@0x1000000:4M:coherent,"
				    "big@0x10000000:24M");
	struct plbuf_bank_info start[NBANKS], now[NBANKS], full[NBANKS];
	plbuf_buf **bufs = calloc(MAX, sizeof(*bufs));
	unsigned seed = 7;

	CHECK(ctx && bufs);
	figures(ctx, start);
	for (int i = 0; i < NBANKS; i++)
		CHECK(start[i].free == start[i].size && start[i].largest == start[i].size);
	for (int round = 0; round < 3; round++) {
		for (int k = 0; k < NBANKS; k++) {
			int n = fill(ctx, k, bufs, &seed);

			figures(ctx, full);
			for (int i = 0; i < NBANKS; i++)
				if (i != k)
					CHECK(full[i].free == start[i].free);
			CHECK(full[k].free < start[k].free);

			/* Views of some buffers; their bases freed first: memory stays held. */
			plbuf_buf *views[64];
			int nv = 0;

			for (int i = 0; i < n && nv < 64; i += 1 + n / 64) {
				views[nv] = plbuf_view(bufs[i], "::-1");
				CHECK(views[nv]);
				nv++;
				CHECK(plbuf_free(bufs[i]) == 0);
				bufs[i] = NULL;
			}
			figures(ctx, now);
			CHECK(now[k].free == full[k].free);

			shuffle(bufs, n, &seed);
			for (int i = 0; i < n; i++)
				CHECK(plbuf_free(bufs[i]) == 0);
			for (int i = 0; i < nv; i++)
				CHECK(plbuf_free(views[i]) == 0);
			figures(ctx, now);
			for (int i = 0; i < NBANKS; i++)
				if (now[i].free != start[i].free || now[i].largest != start[i].largest) {
					fprintf(stderr, "round %d bank %s: free %llu largest %llu, %llu %llu "
						"at the start\n", round, names[i],
						(unsigned long long)now[i].free,
						(unsigned long long)now[i].largest,
						(unsigned long long)start[i].free,
						(unsigned long long)start[i].largest);
					return T_EXIT_FAIL;
				}
		}
		/* The largest block in one piece, and not a line more. */
		for (int k = 0; k < NBANKS; k++) {
			struct plbuf_alloc_opts o = {.bank = names[k]};
			int64_t sz = (int64_t)start[k].largest + 1;

			CHECK(plbuf_allocate(ctx, 1, &sz, "u1", &o) == NULL && errno == ENOMEM);
			sz = (int64_t)start[k].largest;
			plbuf_buf *b = plbuf_allocate(ctx, 1, &sz, "u1", &o);

			CHECK(b);
			CHECK(plbuf_free(b) == 0);
		}
	}
	free(bufs);
	plbuf_close(ctx);
	return 0;
}

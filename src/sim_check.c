/*
 * sim_check.c - the sim's cache model and DMA-API checker, as both sides of a sim context use them:
 * the CPU side (src/backends/sim.c: flush, invalidate, free) and the device side
 * (src/sim_device.c: plbuf_sim_read / _write, in whichever process the device model runs).
 *
 * A line of the CPU's view is dirty when it differs from what it held when last filled or cleaned
 * (the "clean" copy in the memory file): CPU writes are plain stores, nothing traps, so dirtiness
 * is found by comparing.  Reports go to one callback per process (one line on stderr by default),
 * their counts to the memory file's header, where every side sees them.
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "sim_format.h"

/* Compare a block at a time first: most lines of a large buffer are clean, and one memcmp of
 * 4 KiB is far cheaper than 64 of 64 bytes.  The sync paths also work a block at a time, so that
 * what one pass reads is still in the L1 cache when the next pass copies it. */
#define BLOCK 4096u

/* 16 bytes at a time (SSE2 / NEON, through the compiler's generic vectors), inline: a call to
 * memcmp for 64 bytes costs more than the comparison.  Lines are at least 16 bytes and aligned to
 * their size in page-aligned regions.  Stops at the first 16 bytes that differ: a line the CPU
 * wrote usually differs early, and one difference is enough. */
typedef uint64_t __attribute__((vector_size(16), may_alias)) vec;

static inline int line_dirty(const struct plbuf_sim_bankv *v, uint64_t off)
{
	const vec *a = (const vec *)(v->cpu + off), *b = (const vec *)(v->clean + off);

	for (uint64_t i = 0; i < v->line / sizeof(vec); i++) {
		vec d = a[i] ^ b[i];

		if (d[0] | d[1])
			return 1;
	}
	return 0;
}

uint64_t plbuf__sim_next_dirty(const struct plbuf_sim_bankv *v, uint64_t off, uint64_t end)
{
	while (off < end) {
		uint64_t n = BLOCK - (off & (BLOCK - 1));

		if (n > end - off)
			n = end - off;
		if (memcmp(v->cpu + off, v->clean + off, n) == 0) {
			off += n;
			continue;
		}
		while (!line_dirty(v, off)) /* one of these lines differs */
			off += v->line;
		return off;
	}
	return end;
}

uint64_t plbuf__sim_next_clean(const struct plbuf_sim_bankv *v, uint64_t off, uint64_t end)
{
	while (off < end && line_dirty(v, off))
		off += v->line;
	return off < end ? off : end;
}

/*
 * Flush: per block, one memcmp finds a clean block (the common case, nothing written); in a block
 * that differs, the dirty lines are found by comparing line by line, and each run of them is
 * written back with two memcpy calls (the C library's widest copies): the CPU's view to device
 * memory, then device memory to the clean copy, both still in the L1 cache.  The clean copy is
 * taken from device memory, not from the CPU's view again, so that a CPU store landing between the
 * two copies leaves the line dirty (as a store after a clean does on a board) instead of being
 * recorded as clean and never written back.
 */
#if defined(__x86_64__)
#include <immintrin.h>

/*
 * Where the CPU has AVX2 (x86-64 from 2013 on), a dirty block is written back in one pass: each
 * line of the CPU's view is compared whole with its clean copy, 32 bytes at a time, and when it
 * differs the same registers are stored to device memory and to the clean copy (one value to both,
 * so a concurrent CPU store cannot make them disagree).  Measured 1.2x to 1.4x faster than finding
 * the runs first and copying them with memcpy, the path kept for other CPUs (docs/benchmarks.md).
 * Lines of 32 bytes and more, aligned to their size.
 */
/* From this many bytes on, a sync stores device memory with non-temporal stores: past the
 * caches, the write-allocate read of each line costs more than it saves (measured: a flush of
 * 16 MiB of dirty lines 1.3x faster; 1 to 4 MiB 5% slower). */
#define NT_MIN (8u << 20)

/* A 64-byte line (y0, y1) stored at p: past the caches when nt. */
__attribute__((target("avx2"), always_inline)) static inline void
store_line_avx2(__m256i *p, __m256i y0, __m256i y1, int nt)
{
	if (nt) {
		_mm256_stream_si256(p, y0);
		_mm256_stream_si256(p + 1, y1);
	} else {
		_mm256_store_si256(p, y0);
		_mm256_store_si256(p + 1, y1);
	}
}

__attribute__((target("avx2"))) static void flush_block_avx2(const struct plbuf_sim_bankv *v,
							      uint64_t off, uint64_t end,
							      int tracking, int nt)
{
	uint64_t nv = v->line / 32;

	if (nv == 2) /* 64-byte lines, the common case: unrolled, the line kept in registers */
		for (; off < end; off += 64) {
			const __m256i *c = (const __m256i *)(v->cpu + off);
			__m256i *k = (__m256i *)(v->clean + off), *d = (__m256i *)(v->dev + off);
			__m256i y0 = _mm256_load_si256(c), y1 = _mm256_load_si256(c + 1);
			__m256i x = _mm256_or_si256(_mm256_xor_si256(y0, _mm256_load_si256(k)),
						    _mm256_xor_si256(y1, _mm256_load_si256(k + 1)));

			if (_mm256_testz_si256(x, x))
				continue;
			store_line_avx2(d, y0, y1, nt);
			store_line_avx2(k, y0, y1, 0);
			if (tracking)
				v->state[off / 64] = 0;
		}
	for (; nv != 2 && off < end; off += v->line) {
		const __m256i *c = (const __m256i *)(v->cpu + off);
		__m256i *k = (__m256i *)(v->clean + off), *d = (__m256i *)(v->dev + off);
		__m256i x = _mm256_setzero_si256();

		for (uint64_t i = 0; i < nv; i++)
			x = _mm256_or_si256(x, _mm256_xor_si256(_mm256_load_si256(c + i),
								_mm256_load_si256(k + i)));
		if (_mm256_testz_si256(x, x))
			continue;
		for (uint64_t i = 0; i < nv; i++) {
			__m256i y = _mm256_load_si256(c + i);

			_mm256_store_si256(d + i, y);
			_mm256_store_si256(k + i, y);
		}
		if (tracking) /* the device's writes there are overwritten */
			v->state[off / v->line] = 0;
	}
}

/* refill_avx2's loop, written once: nt is a constant at each call, so after inlining each loop has
 * its own store to the clean copy and no branch. */
__attribute__((target("avx2"), always_inline)) static inline void
refill_lines_avx2(const struct plbuf_sim_bankv *v, uint64_t off, uint64_t end, int nt)
{
	for (; off < end; off += 64) {
		const __m256i *d = (const __m256i *)(v->dev + off);
		__m256i *c = (__m256i *)(v->cpu + off), *k = (__m256i *)(v->clean + off);
		__m256i y0 = _mm256_load_si256(d), y1 = _mm256_load_si256(d + 1);

		store_line_avx2(c, y0, y1, 0);
		store_line_avx2(k, y0, y1, nt);
	}
}

/* Invalidate, where the CPU has AVX2: one read of device memory, stored to the CPU's view and to
 * the clean copy (two memcpy calls read it twice).  From NT_MIN bytes on, the clean copy is stored
 * past the caches (16 MiB: 1.6x faster, measured), the CPU's view not: the CPU reads it next. */
__attribute__((target("avx2"))) static void refill_avx2(const struct plbuf_sim_bankv *v,
							uint64_t off, uint64_t end)
{
	if (end - off >= NT_MIN) {
		refill_lines_avx2(v, off, end, 1);
		_mm_sfence();
		return;
	}
	refill_lines_avx2(v, off, end, 0);
}

static int have_avx2(void)
{
	static int have = -1; /* threads may race to set it: each sets the same value */
	int h = __atomic_load_n(&have, __ATOMIC_RELAXED);

	if (h < 0) {
		h = __builtin_cpu_supports("avx2") ? 1 : 0;
		__atomic_store_n(&have, h, __ATOMIC_RELAXED);
	}
	return h;
}
#endif

void plbuf__sim_flush(const struct plbuf_sim_bankv *v, uint64_t off, uint64_t end, int tracking)
{
#if defined(__x86_64__)
	int avx2 = v->line >= 32 && have_avx2(), nt = avx2 && end - off >= NT_MIN;
#endif

	while (off < end) {
		uint64_t e = (off & ~(uint64_t)(BLOCK - 1)) + BLOCK, x, y;

		if (e > end)
			e = end;
		if (memcmp(v->cpu + off, v->clean + off, e - off) == 0) {
			off = e;
			continue;
		}
#if defined(__x86_64__)
		if (avx2) {
			flush_block_avx2(v, off, e, tracking, nt);
			off = e;
			continue;
		}
#endif
		for (x = off; x < e; x = y) {
			while (x < e && !line_dirty(v, x))
				x += v->line;
			if (x == e)
				break;
			for (y = x + v->line; y < e && line_dirty(v, y); y += v->line)
				;
			memcpy(v->dev + x, v->cpu + x, y - x);
			memcpy(v->clean + x, v->dev + x, y - x);
			if (tracking) /* the device's writes there are overwritten */
				memset(v->state + x / v->line, 0, (y - x) / v->line);
		}
		off = e;
	}
#if defined(__x86_64__)
	if (nt) /* non-temporal stores are not ordered with later ones: the device must see them */
		_mm_sfence();
#endif
}

/* Invalidate (whole lines): refill the CPU's view from device memory and record it as the clean
 * copy, a block at a time, so that the second copy reads from the L1 cache, not from memory. */
void plbuf__sim_refill(const struct plbuf_sim_bankv *v, uint64_t off, uint64_t end, int tracking)
{
	if (tracking)
		memset(v->state + off / v->line, 0, (end - off) / v->line);
#if defined(__x86_64__)
	if (v->line >= 64 && have_avx2()) { /* 1.1x to 1.3x faster, measured; not at 16 MiB */
		refill_avx2(v, off, end);
		return;
	}
#endif
	while (off < end) {
		uint64_t n = end - off < 4 * BLOCK ? end - off : 4 * BLOCK;

		memcpy(v->cpu + off, v->dev + off, n);
		memcpy(v->clean + off, v->cpu + off, n);
		off += n;
	}
}

/* ---------------------------------------------------------------- the table of live buffers */

/* Where an entry for memory at mem is first looked for: entries are found from there on, so that
 * an add or a remove rarely looks at more than one or two (removal searches on past free ones). */
static uint32_t slot(uint64_t mem, uint32_t n)
{
	return (uint32_t)(((mem >> 6) * 0x9e3779b97f4a7c15ull) >> 32) % n;
}

void plbuf__sim_buf_add(struct plbuf_sim_buf *t, uint32_t n, uint64_t mem, uint64_t mem_len,
			uint64_t dev, uint64_t len)
{
	for (uint32_t i = 0, k = n ? slot(mem, n) : 0; i < n; i++, k = k + 1 == n ? 0 : k + 1) {
		struct plbuf_sim_buf *e = &t[k];
		uint64_t seq = __atomic_load_n(&e->seq, __ATOMIC_ACQUIRE);

		if ((seq & 1) || __atomic_load_n(&e->mem_len, __ATOMIC_RELAXED) ||
		    !__atomic_compare_exchange_n(&e->seq, &seq, seq + 1, 0, __ATOMIC_ACQ_REL,
						 __ATOMIC_RELAXED))
			continue;
		if (__atomic_load_n(&e->mem_len, __ATOMIC_RELAXED)) { /* taken meanwhile */
			__atomic_store_n(&e->seq, seq + 2, __ATOMIC_RELEASE);
			continue;
		}
		__atomic_store_n(&e->mem, mem, __ATOMIC_RELAXED);
		__atomic_store_n(&e->dev, dev, __ATOMIC_RELAXED);
		__atomic_store_n(&e->len, len, __ATOMIC_RELAXED);
		__atomic_store_n(&e->mem_len, mem_len, __ATOMIC_RELAXED);
		__atomic_store_n(&e->seq, seq + 2, __ATOMIC_RELEASE);
		return;
	}
	/* full: this buffer goes unnamed in device-side reports (they say so) */
}

void plbuf__sim_buf_del(struct plbuf_sim_buf *t, uint32_t n, uint64_t mem)
{
	for (uint32_t i = 0, k = n ? slot(mem, n) : 0; i < n; i++, k = k + 1 == n ? 0 : k + 1) {
		struct plbuf_sim_buf *e = &t[k];
		uint64_t seq = __atomic_load_n(&e->seq, __ATOMIC_ACQUIRE);

		if ((seq & 1) || __atomic_load_n(&e->mem, __ATOMIC_RELAXED) != mem ||
		    !__atomic_load_n(&e->mem_len, __ATOMIC_RELAXED) ||
		    !__atomic_compare_exchange_n(&e->seq, &seq, seq + 1, 0, __ATOMIC_ACQ_REL,
						 __ATOMIC_RELAXED))
			continue;
		if (__atomic_load_n(&e->mem, __ATOMIC_RELAXED) == mem)
			__atomic_store_n(&e->mem_len, 0, __ATOMIC_RELAXED);
		__atomic_store_n(&e->seq, seq + 2, __ATOMIC_RELEASE);
		return;
	}
}

int plbuf__sim_buf_find(const struct plbuf_sim_buf *t, uint32_t n, uint64_t lo, uint64_t hi,
			struct plbuf_sim_buf *out, unsigned *others)
{
	int found = 0;

	*others = 0;
	for (uint32_t k = 0; k < n; k++) {
		const struct plbuf_sim_buf *e = &t[k];
		struct plbuf_sim_buf c;

		for (int tries = 0; tries < 100; tries++) { /* a writer holds an entry for a moment */
			c.seq = __atomic_load_n(&e->seq, __ATOMIC_ACQUIRE);
			c.mem = __atomic_load_n(&e->mem, __ATOMIC_RELAXED);
			c.mem_len = __atomic_load_n(&e->mem_len, __ATOMIC_RELAXED);
			c.dev = __atomic_load_n(&e->dev, __ATOMIC_RELAXED);
			c.len = __atomic_load_n(&e->len, __ATOMIC_RELAXED);
			__atomic_thread_fence(__ATOMIC_ACQUIRE);
			if (!(c.seq & 1) && __atomic_load_n(&e->seq, __ATOMIC_RELAXED) == c.seq)
				break;
			c.mem_len = 0;
		}
		if (!c.mem_len || c.mem >= hi || c.mem + c.mem_len <= lo)
			continue;
		if (found && c.mem >= out->mem) {
			++*others;
			continue;
		}
		if (found)
			++*others;
		*out = c; /* the lowest one */
		found = 1;
	}
	return found;
}

/* ---------------------------------------------------------------- reports */

static pthread_mutex_t report_lock = PTHREAD_MUTEX_INITIALIZER;
static plbuf_sim_check_fn user_fn;
static void *user_arg;
/* The default printer's memory of what it printed: one line per distinct problem. */
static uint64_t printed[256];
static unsigned nprinted;

PLBUF_EXPORT void plbuf_sim_set_check_callback(plbuf_sim_check_fn fn, void *arg)
{
	pthread_mutex_lock(&report_lock);
	user_fn = fn;
	user_arg = arg;
	pthread_mutex_unlock(&report_lock);
}

static const char *const problem_name[PLBUF_SIM_NPROBLEMS] = {
	"missing flush", "missing invalidate", "CPU write while the device owns the memory",
	"bad sync",
};

static int seen_before(uint64_t key)
{
	unsigned n = nprinted < 256 ? nprinted : 256;

	for (unsigned i = 0; i < n; i++)
		if (printed[i] == key)
			return 1;
	printed[nprinted++ % 256] = key;
	return 0;
}

void plbuf__sim_report(struct plbuf_sim_hdr *hdr, int problem, const char *bank, uint64_t buf_addr,
		       uint64_t buf_len, uint64_t addr, uint64_t len, const char *missing,
		       const char *fmt, ...)
{
	char body[400], msg[512];
	struct plbuf_sim_report r;
	plbuf_sim_check_fn fn;
	void *arg;
	va_list ap;

	if (problem < 0 || problem >= PLBUF_SIM_NPROBLEMS)
		return;
	__atomic_fetch_add(&hdr->counts[problem], 1, __ATOMIC_RELAXED);
	va_start(ap, fmt);
	vsnprintf(body, sizeof(body), fmt, ap);
	va_end(ap);
	snprintf(msg, sizeof(msg), "plbuf sim check: %s: %s", problem_name[problem], body);
	r.problem = (enum plbuf_sim_problem)problem;
	r.bank = bank;
	r.buf_addr = buf_addr;
	r.buf_len = buf_len;
	r.addr = addr;
	r.len = len;
	r.missing = missing;
	r.message = msg;
	pthread_mutex_lock(&report_lock);
	fn = user_fn;
	arg = user_arg;
	/* FNV-1a over what makes two reports the same problem */
	uint64_t key = 14695981039346656037ull, parts[3] = {(uint64_t)problem, addr, len};

	for (int i = 0; i < 3; i++)
		key = (key ^ parts[i]) * 1099511628211ull;
	if (!fn && !seen_before(key))
		fprintf(stderr, "%s\n", msg);
	pthread_mutex_unlock(&report_lock);
	if (fn)
		fn(&r, arg);
	if (__atomic_load_n(&hdr->check, __ATOMIC_RELAXED) == PLBUF_SIM_CHECK_FATAL) {
		fprintf(stderr, "plbuf sim check: fatal (check=fatal or PLBUF_SIM_CHECK=fatal): "
			"aborting\n");
		abort();
	}
}

/* ---------------------------------------------------------------- the device side */

static int checking(const struct plbuf_sim_hdr *hdr, const struct plbuf_sim_bankv *v)
{
	return v->cpu && __atomic_load_n(&hdr->check, __ATOMIC_RELAXED) != PLBUF_SIM_CHECK_OFF;
}

void plbuf__sim_dev_read(struct plbuf_sim_hdr *hdr, const struct plbuf_sim_bankv *v, uint64_t off,
			 uint64_t len)
{
	uint64_t lo = off & ~(v->line - 1), hi = (off + len + v->line - 1) & ~(v->line - 1);
	uint64_t first, end, x;

	if (!len || !checking(hdr, v))
		return;
	first = plbuf__sim_next_dirty(v, lo, hi);
	if (first == hi)
		return;
	for (x = first, end = first; x < hi; x = plbuf__sim_next_dirty(v, end, hi))
		end = plbuf__sim_next_clean(v, x + v->line, hi);
	/* name the buffer: the CPU side's table of live buffers, in the memory file */
	struct plbuf_sim_buf b = {0};
	unsigned others = 0;
	char who[160];

	if (plbuf__sim_buf_find(v->bufs, v->nbufs, v->base + first, v->base + end, &b, &others))
		snprintf(who, sizeof(who), "buffer 0x%llx (+%llu bytes, bank %s%s)",
			 (unsigned long long)b.dev, (unsigned long long)b.len, v->name,
			 others ? ", and other buffers" : "");
	else
		snprintf(who, sizeof(who), "bank %s (no live buffer there in the memory file's table: "
			 "freed, allocated by another process, or more than %u live)", v->name,
			 v->nbufs);
	plbuf__sim_report(hdr, PLBUF_SIM_MISSING_FLUSH, v->name, b.dev, b.len, v->base + first,
			  end - first, "plbuf_flush", "the device read [0x%llx, +%llu) of %s, and the "
			  "CPU wrote lines [0x%llx, 0x%llx) of it without flushing them: the device "
			  "read stale memory (flush the buffer before handing it to the device)",
			  (unsigned long long)(v->base + off), (unsigned long long)len, who,
			  (unsigned long long)(v->base + first), (unsigned long long)(v->base + end));
}

void plbuf__sim_dev_write(struct plbuf_sim_hdr *hdr, const struct plbuf_sim_bankv *v, uint64_t off,
			  uint64_t len)
{
	if (!len || !checking(hdr, v))
		return;
	for (uint64_t i = off / v->line, n = (off + len - 1) / v->line; i <= n; i++)
		if (!(__atomic_load_n(&v->state[i], __ATOMIC_RELAXED) & PLBUF_SIM_LINE_DEV_WRITTEN))
			__atomic_fetch_or(&v->state[i], PLBUF_SIM_LINE_DEV_WRITTEN,
					  __ATOMIC_RELAXED);
}

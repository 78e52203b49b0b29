/* The sim's DMA-API checker catches, naming the buffer, bank, byte range and missing call:
 *  - a missing flush: the device reads lines the CPU dirtied (plbuf_sim_read in this process, in
 *    another process, and a translate() user's declared read);
 *  - a missing invalidate: a buffer freed with lines the device wrote that the CPU never invalidated;
 *  - a CPU write while the device owns the memory: lines the CPU wrote after the flush, dropped by
 *    the invalidate, and lines both wrote (a declared write too);
 *  - a sync of a freed buffer and a range outside the buffer.
 * Correct use is never reported; counts are shared by both sides; by default each distinct problem
 * is one line on stderr; check=fatal aborts. */
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test.h"

static struct plbuf_sim_report last;
static char last_msg[512];
static int nreports;

static void on_report(const struct plbuf_sim_report *r, void *arg)
{
	(void)arg;
	last = *r;
	snprintf(last_msg, sizeof(last_msg), "%s", r->message);
	last.message = last_msg;
	nreports++;
	printf("  report: %s\n", r->message);
}

/* Exactly one new report, of this kind, with this missing call, covering [addr, addr + len). */
static void expect(int line, int n0, int problem, const char *missing, uint64_t addr, uint64_t len)
{
	if (nreports != n0 + 1 || (int)last.problem != problem || strcmp(last.missing, missing) ||
	    last.addr != addr || last.len != len || strcmp(last.bank, "DDR0")) {
		fprintf(stderr, "line %d: %d reports (expected 1): problem %d (expected %d), missing %s "
			"(%s), [0x%llx, +%llu) (expected [0x%llx, +%llu)) bank %s\n", line,
			nreports - n0, (int)last.problem, problem, last.missing, missing,
			(unsigned long long)last.addr, (unsigned long long)last.len,
			(unsigned long long)addr, (unsigned long long)len, last.bank);
		exit(T_EXIT_FAIL);
	}
}
#define EXPECT(...) expect(__LINE__, __VA_ARGS__)
#define QUIET(n0) CHECK(nreports == (n0))

int main(void)
{
	plbuf_ctx *ctx = plbuf_open("sim", "banks=DDR0@0x40000000:16M coherent=0 line=64 check=1");
	int64_t n = 1024;
	uint64_t counts[PLBUF_SIM_NPROBLEMS];
	int n0, status;

	CHECK(ctx);
	plbuf_sim_set_check_callback(on_report, NULL);
	plbuf_sim_dev *dev = plbuf_sim_attach(plbuf_sim_name(ctx));
	CHECK(dev);
	plbuf_buf *in = plbuf_allocate(ctx, 1, &n, "u4", NULL), *out = plbuf_allocate(ctx, 1, &n, "u4", NULL);
	CHECK(in && out);
	uint64_t a = plbuf_device_address(in), o = plbuf_device_address(out);
	uint32_t *pin = plbuf_data(in), *pout = plbuf_data(out), tmp[1024];

	/* Correct use: nothing reported. */
	for (int i = 0; i < 1024; i++)
		pin[i] = (uint32_t)i;
	CHECK(plbuf_flush(in) == 0);
	CHECK(plbuf_sim_read(dev, a, tmp, 4096) == 0);
	CHECK(plbuf_sim_write(dev, o, tmp, 4096) == 0);
	CHECK(plbuf_invalidate(out) == 0 && pout[5] == 5);
	QUIET(0);

	/* Missing flush: the CPU writes words 16..47 (lines 1..2 of in) and the device reads it all. */
	for (int i = 16; i < 48; i++)
		pin[i] = 0xdead;
	n0 = nreports;
	CHECK(plbuf_sim_read(dev, a, tmp, 4096) == 0);
	EXPECT(n0, PLBUF_SIM_MISSING_FLUSH, "plbuf_flush", a + 64, 128);
	CHECK(tmp[16] == 16); /* and it read stale memory, as on a board */
	CHECK(strstr(last.message, "DDR0") && strstr(last.message, "flush"));
	/* the device side names the buffer, from the memory file's table of live buffers */
	char want[80];
	snprintf(want, sizeof(want), "of buffer 0x%llx (+4096 bytes, bank DDR0)", (unsigned long long)a);
	CHECK(last.buf_addr == a && last.buf_len == 4096 && strstr(last.message, want));
	/* the same from another process: the count is in the memory file, seen by both sides */
	CHECK(plbuf_sim_check_counts(ctx, counts, PLBUF_SIM_NPROBLEMS) == PLBUF_SIM_NPROBLEMS);
	uint64_t before = counts[PLBUF_SIM_MISSING_FLUSH];
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0) {
		plbuf_sim_set_check_callback(on_report, NULL);
		plbuf_sim_dev *d = plbuf_sim_attach(plbuf_sim_name(ctx));
		uint32_t t;
		int rc = d && plbuf_sim_read(d, a + 64, &t, 4) == 0 ? 0 : 1;

		/* another process names the buffer too: the table is in the memory file */
		if (!rc && (last.buf_addr != a || last.buf_len != 4096 || !strstr(last.message, want)))
			rc = 2;

		plbuf_sim_detach(d);
		_exit(rc);
	}
	CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CHECK(plbuf_sim_check_counts(ctx, counts, PLBUF_SIM_NPROBLEMS) == PLBUF_SIM_NPROBLEMS);
	CHECK(counts[PLBUF_SIM_MISSING_FLUSH] == before + 1);
	uint64_t dcounts[PLBUF_SIM_NPROBLEMS];
	CHECK(plbuf_sim_dev_check_counts(dev, dcounts, PLBUF_SIM_NPROBLEMS) == PLBUF_SIM_NPROBLEMS);
	CHECK(memcmp(dcounts, counts, sizeof(counts)) == 0);
	/* a translate() user declares its read */
	n0 = nreports;
	CHECK(plbuf_sim_translate(dev, a, 4096) && plbuf_sim_declare_read(dev, a + 100, 4) == 0);
	EXPECT(n0, PLBUF_SIM_MISSING_FLUSH, "plbuf_flush", a + 64, 64);
	CHECK(last.buf_addr == a && strstr(last.message, want));
	/* the other buffer, by its own name */
	pout[1000] = 7;
	n0 = nreports;
	CHECK(plbuf_sim_read(dev, o + 4000, tmp, 4) == 0);
	EXPECT(n0, PLBUF_SIM_MISSING_FLUSH, "plbuf_flush", o + 3968, 64);
	snprintf(want, sizeof(want), "of buffer 0x%llx (+4096 bytes, bank DDR0)", (unsigned long long)o);
	CHECK(last.buf_addr == o && last.buf_len == 4096 && strstr(last.message, want));
	CHECK(plbuf_flush(out) == 0);
	snprintf(want, sizeof(want), "of buffer 0x%llx (+4096 bytes, bank DDR0)", (unsigned long long)a);
	CHECK(plbuf_flush(in) == 0);
	n0 = nreports;
	CHECK(plbuf_sim_read(dev, a, tmp, 4096) == 0 && tmp[16] == 0xdead);
	QUIET(n0);

	/* Missing invalidate: the device writes out; the CPU frees it without invalidating. */
	plbuf_buf *res = plbuf_allocate(ctx, 1, &n, "u4", NULL);
	CHECK(res);
	uint64_t r = plbuf_device_address(res);
	CHECK(plbuf_sim_write(dev, r + 200, tmp, 100) == 0); /* bytes 200..299: lines 3..4 */
	n0 = nreports;
	CHECK(plbuf_free(res) == 0);
	EXPECT(n0, PLBUF_SIM_MISSING_INVALIDATE, "plbuf_invalidate", r + 192, 128);
	CHECK(last.buf_addr == r && last.buf_len == 4096);
	/* the memory handed out again carries no trace of it */
	res = plbuf_allocate(ctx, 1, &n, "u4", NULL);
	CHECK(res);
	n0 = nreports;
	CHECK(plbuf_free(res) == 0);
	QUIET(n0);

	/* The CPU writes after the flush: the invalidate drops it (interior line). */
	CHECK(plbuf_flush(out) == 0);
	pout[100] = 1; /* byte 400: line 6 */
	n0 = nreports;
	CHECK(plbuf_invalidate(out) == 0);
	EXPECT(n0, PLBUF_SIM_CPU_WRITE_WHILE_DEVICE_OWNS, "plbuf_invalidate", o + 384, 64);
	CHECK(pout[100] != 1); /* dropped, as the invalidate on a board would */
	/* Both wrote one line: found at an invalidate that only touches its edge, and at a flush. */
	CHECK(plbuf_flush(out) == 0);
	CHECK(plbuf_sim_write(dev, o + 512, tmp, 4) == 0); /* line 8 */
	pout[130] = 2;                                      /* byte 520: line 8 */
	n0 = nreports;
	CHECK(plbuf_invalidate_range(out, 516, 8) == 0);     /* partial: the line is cleaned first */
	EXPECT(n0, PLBUF_SIM_CPU_WRITE_WHILE_DEVICE_OWNS, "plbuf_invalidate", o + 512, 64);
	CHECK(strstr(last.message, "one of the two writes is lost"));
	CHECK(plbuf_sim_translate(dev, o + 576, 64) && plbuf_sim_declare_write(dev, o + 576, 64) == 0);
	pout[150] = 3; /* byte 600: line 9 */
	n0 = nreports;
	CHECK(plbuf_flush(out) == 0);
	EXPECT(n0, PLBUF_SIM_CPU_WRITE_WHILE_DEVICE_OWNS, "plbuf_invalidate", o + 576, 64);
	CHECK(last.buf_addr == o && last.buf_len == 4096);
	/* A view's invalidate names the view and does not blame the CPU's bytes beside it. */
	CHECK(plbuf_flush(out) == 0);
	pout[0] = 9; /* line 0, outside the view */
	plbuf_buf *v = plbuf_view(out, "1:8");
	CHECK(v);
	n0 = nreports;
	CHECK(plbuf_invalidate(v) == 0 && pout[0] == 9);
	QUIET(n0);
	CHECK(plbuf_free(v) == 0);

	/* Bad syncs: outside the buffer, and a freed buffer.  The error codes stay as they were. */
	n0 = nreports;
	CHECK_ERR(plbuf_flush_range(out, 4000, 200), EINVAL);
	EXPECT(n0, PLBUF_SIM_BAD_SYNC, "plbuf_flush_range", o, 4096);
	plbuf_buf *gone = plbuf_allocate(ctx, 1, &n, "u4", NULL);
	CHECK(gone && plbuf_invalidate(gone) == 0 && plbuf_free(gone) == 0);
	n0 = nreports;
	CHECK_ERR(plbuf_invalidate(gone), EBADF);
	CHECK(nreports == n0 + 1 && last.problem == PLBUF_SIM_BAD_SYNC &&
	      !strcmp(last.missing, "plbuf_invalidate"));

	CHECK(plbuf_sim_check_counts(ctx, counts, PLBUF_SIM_NPROBLEMS) == PLBUF_SIM_NPROBLEMS);
	printf("counts: missing flush %llu, missing invalidate %llu, CPU write while the device owns "
	       "%llu, bad sync %llu\n", (unsigned long long)counts[0], (unsigned long long)counts[1],
	       (unsigned long long)counts[2], (unsigned long long)counts[3]);
	CHECK(counts[0] == 4 && counts[1] == 1 && counts[2] == 3 && counts[3] == 2);
	CHECK_ERR(plbuf_sim_check_counts(NULL, counts, 4), EINVAL);

	/* By default: one line on stderr per distinct problem. */
	fflush(NULL);
	int fds[2];
	CHECK(pipe(fds) == 0);
	pid = fork();
	if (pid == 0) {
		plbuf_sim_set_check_callback(NULL, NULL);
		dup2(fds[1], 2);
		pin[0] = 77;
		pin[32] = 78;
		for (int i = 0; i < 3; i++)
			plbuf_sim_read(dev, a, tmp, 4);   /* the same problem three times */
		plbuf_sim_read(dev, a + 128, tmp, 4);     /* another line: another problem */
		_exit(0);
	}
	close(fds[1]);
	char text[4096] = "";
	ssize_t got, len = 0;
	while ((got = read(fds[0], text + len, sizeof(text) - 1 - (size_t)len)) > 0)
		len += got;
	text[len] = 0;
	close(fds[0]);
	CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0);
	int lines = 0;
	for (char *p = text; (p = strstr(p, "plbuf sim check: missing flush")); p++)
		lines++;
	printf("stderr of the default printer:\n%s", text);
	CHECK(lines == 2);

	/* check=fatal: the first problem aborts (for CI). */
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		plbuf_ctx *c = plbuf_open("sim", "banks=DDR0@0x40000000:1M check=fatal");
		plbuf_sim_dev *d = c ? plbuf_sim_attach(plbuf_sim_name(c)) : NULL;
		plbuf_buf *x = d ? plbuf_allocate(c, 1, &n, "u4", NULL) : NULL;
		uint32_t t;

		if (!x)
			_exit(3);
		plbuf_sim_set_check_callback(NULL, NULL);
		dup2(open("/dev/null", 1), 2);
		((uint32_t *)plbuf_data(x))[0] = 1;
		plbuf_sim_read(d, plbuf_device_address(x), &t, 4);
		_exit(0);
	}
	CHECK(waitpid(pid, &status, 0) == pid && WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT);

	CHECK(plbuf_free(in) == 0 && plbuf_free(out) == 0);
	plbuf_sim_detach(dev);
	plbuf_close(ctx);
	plbuf_sim_set_check_callback(NULL, NULL);
	return 0;
}

/*
 * plbuf demo: the main job.  Buffers are allocated, and only their device addresses are handed to
 * a simulated IP: a compute engine running in another process that reaches memory through the sim
 * backend's device-side API, as an FPGA kernel reaches DRAM through an AXI master.  In non-coherent
 * mode it also shows that a missing flush is caught twice: the IP reads stale DRAM, and the DMA-API
 * checker (on for the demo) reports the missing call from inside the IP's process.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"

#define N 4096

struct job {
	uint64_t src, dst, count; /* device addresses, number of 32-bit words */
};

/* What the IP sends back: a status, and the first checker report of the job ("" if none). */
struct done {
	int32_t status;
	char report[480];
};

static char ip_report[480];

static void on_report(const struct plbuf_sim_report *r, void *arg)
{
	(void)arg;
	if (!ip_report[0])
		snprintf(ip_report, sizeof(ip_report), "%s", r->message);
}

/* The IP: out[i] = 3 * in[i] + 1, done through device addresses only. */
static int ip_main(const char *name, int cmd_fd, int done_fd)
{
	plbuf_sim_dev *dev = plbuf_sim_attach(name);
	struct job j;
	uint32_t *tmp = malloc(N * sizeof(uint32_t));

	if (!dev || !tmp) {
		fprintf(stderr, "IP: cannot attach: %s\n", plbuf_errmsg());
		return 1;
	}
	plbuf_sim_set_check_callback(on_report, NULL);
	while (read(cmd_fd, &j, sizeof(j)) == (ssize_t)sizeof(j)) {
		struct done d = {0};

		ip_report[0] = 0;
		if (j.count > N || plbuf_sim_read(dev, j.src, tmp, j.count * 4) < 0)
			d.status = -errno;
		else {
			for (uint64_t i = 0; i < j.count; i++)
				tmp[i] = 3 * tmp[i] + 1;
			if (plbuf_sim_write(dev, j.dst, tmp, j.count * 4) < 0)
				d.status = -errno;
		}
		memcpy(d.report, ip_report, sizeof(d.report));
		if (write(done_fd, &d, sizeof(d)) != (ssize_t)sizeof(d))
			break;
	}
	free(tmp);
	plbuf_sim_detach(dev);
	return 0;
}

struct ip {
	pid_t pid;
	int cmd, done;
};

static int ip_start(struct ip *ip, const char *name)
{
	int c[2], d[2];

	if (pipe(c) < 0 || pipe(d) < 0)
		return -errno;
	ip->pid = fork();
	if (ip->pid < 0)
		return -errno;
	if (ip->pid == 0) {
		close(c[1]);
		close(d[0]);
		_exit(ip_main(name, c[0], d[1]));
	}
	close(c[0]);
	close(d[1]);
	ip->cmd = c[1];
	ip->done = d[0];
	return 0;
}

/* Runs one job; report gets the checker's first report from the IP's process, "" if none. */
static int ip_run(struct ip *ip, uint64_t src, uint64_t dst, uint64_t count, char *report)
{
	struct job j = {src, dst, count};
	struct done d;

	report[0] = 0;
	if (write(ip->cmd, &j, sizeof(j)) != (ssize_t)sizeof(j) ||
	    read(ip->done, &d, sizeof(d)) != (ssize_t)sizeof(d))
		return -EIO;
	d.report[sizeof(d.report) - 1] = 0;
	memcpy(report, d.report, sizeof(d.report));
	return d.status;
}

static void ip_stop(struct ip *ip)
{
	close(ip->cmd);
	close(ip->done);
	waitpid(ip->pid, NULL, 0);
}

static int count_wrong(const uint32_t *out, const uint32_t *in, int n)
{
	int bad = 0;

	for (int i = 0; i < n; i++)
		bad += out[i] != 3 * in[i] + 1;
	return bad;
}

static int fail(const char *what)
{
	fprintf(stderr, "demo: %s: %s\n", what, plbuf_errmsg());
	return 1;
}

int cmd_demo(int argc, char **argv)
{
	int coherent = argc > 1 && strcmp(argv[1], "--coherent") == 0;
	int64_t shape[1] = {N};
	plbuf_ctx *ctx;
	plbuf_buf *in, *out, *view;
	struct ip ip = {.pid = -1, .cmd = -1, .done = -1};
	int bad, ok = 1;
	char report[480];

	/* The checker on, whatever PLBUF_SIM_CHECK says: the demo shows what it reports. */
	ctx = plbuf_open("sim", coherent ? "coherent=1 check=1" : "coherent=0 check=1");
	if (!ctx)
		return fail("opening the sim backend");
	struct plbuf_bank_info bank;

	plbuf_ctx_bank(ctx, 0, &bank);
	printf("plbuf demo: a compute IP in another process, reached only by device address\n\n");
	printf("backend  sim, bank %s at 0x%llx, %s, %zu-byte cache lines\n", bank.name,
	       (unsigned long long)bank.base,
	       coherent ? "coherent (like a ZynqMP HPC port)" : "non-coherent (like a Zynq HP port)",
	       plbuf_ctx_line_size(ctx));
	if (ip_start(&ip, plbuf_sim_name(ctx)) < 0) {
		plbuf_close(ctx);
		return fail("starting the IP process");
	}
	printf("IP       process %d, attached to /dev/shm/%s; computes out[i] = 3*in[i] + 1\n\n",
	       (int)ip.pid, plbuf_sim_name(ctx));

	in = plbuf_allocate(ctx, 1, shape, "u4", NULL);
	out = plbuf_allocate(ctx, 1, shape, "u4", NULL);
	if (!in || !out) {
		ip_stop(&ip);
		plbuf_close(ctx);
		return fail("allocating");
	}
	uint32_t *pin = plbuf_data(in), *pout = plbuf_data(out);

	printf("1. allocate  in  = u4[%d] at device address 0x%llx (%s)\n", N,
	       (unsigned long long)plbuf_device_address(in),
	       plbuf_coherent(in) ? "coherent" : "cached, needs flush/invalidate");
	printf("             out = u4[%d] at device address 0x%llx\n", N,
	       (unsigned long long)plbuf_device_address(out));

	for (int i = 0; i < N; i++)
		pin[i] = (uint32_t)i;
	plbuf_flush(in);
	ip_run(&ip, plbuf_device_address(in), plbuf_device_address(out), N, report);
	plbuf_invalidate(out);
	bad = count_wrong(pout, pin, N);
	printf("2. write in, flush, run the IP, invalidate out: %d of %d results wrong  %s\n", bad, N,
	       bad || report[0] ? "UNEXPECTED" : "ok");
	ok &= bad == 0 && !report[0];

	for (int i = 0; i < N; i++)
		pin[i] = 7u * (uint32_t)i + 5;
	ip_run(&ip, plbuf_device_address(in), plbuf_device_address(out), N, report);
	plbuf_invalidate(out);
	bad = count_wrong(pout, pin, N);
	if (coherent) {
		printf("3. the same without the flush: %d of %d wrong  %s (coherent memory needs no "
		       "flush)\n", bad, N, bad || report[0] ? "UNEXPECTED" : "ok");
		ok &= bad == 0 && !report[0];
	} else {
		printf("3. the same WITHOUT the flush: %d of %d wrong  %s: the IP read stale DRAM, as it "
		       "would on the board\n", bad, N, bad ? "caught" : "NOT CAUGHT");
		printf("   and the DMA-API checker, in the IP's process, reported:\n     %s\n",
		       report[0] ? report : "NOTHING (not caught)");
		ok &= bad == N && strstr(report, "missing flush") != NULL;
	}
	plbuf_flush(in);
	ip_run(&ip, plbuf_device_address(in), plbuf_device_address(out), N, report);
	plbuf_invalidate(out);
	bad = count_wrong(pout, pin, N);
	printf("4. flush, run again: %d of %d wrong  %s\n", bad, N,
	       bad || report[0] ? "UNEXPECTED" : "ok");
	ok &= bad == 0 && !report[0];

	/* A view: the IP is handed the address of the view's first element; only its lines sync. */
	view = plbuf_view(in, "1024:2048");
	if (!view) {
		ip_stop(&ip);
		plbuf_close(ctx);
		return fail("making a view");
	}
	uint32_t *pv = plbuf_data(view);

	for (int i = 0; i < 1024; i++)
		pv[i] = 100000u + (uint32_t)i;
	plbuf_flush(view);
	ip_run(&ip, plbuf_device_address(view), plbuf_device_address(out), 1024, report);
	plbuf_invalidate(out);
	bad = count_wrong(pout, pv, 1024);
	printf("5. view in[1024:2048] at 0x%llx (= base + %llu), flush of its %llu bytes only, run: "
	       "%d of 1024 wrong  %s\n", (unsigned long long)plbuf_device_address(view),
	       (unsigned long long)(plbuf_device_address(view) - plbuf_device_address(in)),
	       (unsigned long long)plbuf_nbytes(view), bad, bad || report[0] ? "UNEXPECTED" : "ok");
	ok &= bad == 0 && !report[0];

	plbuf_free(view);
	plbuf_free(in);
	plbuf_free(out);
	ip_stop(&ip);
	plbuf_close(ctx);
	printf("\n%s\n", ok ? "demo: every check behaved as expected" : "demo: FAILED");
	return ok ? 0 : 1;
}

/*
 * zocl_bench.c - the per-buffer path on the real zocl driver, in the arm64 guest (case
 * "bench-zocl" of tests/qemu/arm64.sh): allocate + free of one buffer through plbuf's zocl backend
 * against what PYNQ (pynq/buffer.py over XRT's edge shim) and XRT's xrt::bo do for every buffer:
 * CREATE_BO, INFO_BO, MAP_BO, mmap; munmap, GEM_CLOSE.  Both ask for cacheable memory (plbuf's
 * default on zocl).  Prints one "BENCH zocl ..." line per size: nanoseconds per allocate+free pair
 * of each path, their ratio, and the system calls per pair, counted by tracing a child process
 * with ptrace (a separate run, so that tracing does not slow the timed one).  TCG time is not a
 * board's: the ratio and the system call counts are what carry over.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <asm/ptrace.h>
#include <elf.h>
#include <time.h>
#include <unistd.h>

#include "cases.h"

/* zocl's ioctls (XRT zynq_ioctl.h; DRM core drm.h), as plbuf's backend declares them. */
struct zb_create { uint64_t size; uint32_t handle, flags; };
struct zb_map { uint32_t handle, pad; uint64_t offset; };
struct zb_info { uint32_t handle, flags; uint64_t size, paddr; };
struct zb_close { uint32_t handle, pad; };
#define ZB_CREATE _IOWR('d', 0x40 + 0, struct zb_create)
#define ZB_MAP _IOWR('d', 0x40 + 3, struct zb_map)
#define ZB_INFO _IOWR('d', 0x40 + 5, struct zb_info)
#define ZB_GEM_CLOSE _IOW('d', 0x09, struct zb_close)
#define ZB_CACHEABLE (1u << 24)

struct path {
	int fd;           /* raw: the render node */
	plbuf_ctx *ctx;   /* plbuf */
	uint64_t size;
};

/* One buffer as PYNQ and XRT get it, and its release.  Returns 0 or -1. */
static int raw_pair(struct path *p)
{
	struct zb_create c = { .size = p->size, .flags = ZB_CACHEABLE };
	if (ioctl(p->fd, ZB_CREATE, &c) < 0)
		return -1;
	struct zb_info in = { .handle = c.handle };
	struct zb_map m = { .handle = c.handle };
	void *va = MAP_FAILED;
	if (ioctl(p->fd, ZB_INFO, &in) == 0 && ioctl(p->fd, ZB_MAP, &m) == 0)
		va = mmap(NULL, in.size, PROT_READ | PROT_WRITE, MAP_SHARED, p->fd, (off_t)m.offset);
	int ok = va != MAP_FAILED;
	if (ok)
		munmap(va, in.size);
	struct zb_close cl = { .handle = c.handle };
	ioctl(p->fd, ZB_GEM_CLOSE, &cl);
	return ok ? 0 : -1;
}

static int plbuf_pair(struct path *p)
{
	int64_t shape[1] = { (int64_t)p->size };
	plbuf_buf *b = plbuf_allocate(p->ctx, 1, shape, "u1", NULL);
	if (!b)
		return -1;
	return plbuf_free(b);
}

static int path_open(struct path *p, int raw, uint64_t size)
{
	memset(p, 0, sizeof *p);
	p->size = size;
	p->fd = -1;
	if (raw) {
		p->fd = open("/dev/dri/renderD128", O_RDWR | O_CLOEXEC);
		return p->fd < 0 ? -1 : 0;
	}
	p->ctx = plbuf_open("zocl", NULL);
	return p->ctx ? 0 : -1;
}

static void path_close(struct path *p)
{
	if (p->fd >= 0)
		close(p->fd);
	plbuf_close(p->ctx);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Nanoseconds per pair, run for about budget seconds after a warm-up pair; -1 on failure. */
static double time_pairs(int raw, uint64_t size, double budget)
{
	struct path p;
	long n = 0;

	if (path_open(&p, raw, size) < 0)
		return -1;
	int (*pair)(struct path *) = raw ? raw_pair : plbuf_pair;
	if (pair(&p) < 0) {
		path_close(&p);
		return -1;
	}
	double t0 = now_s(), t;
	do {
		for (int i = 0; i < 4; i++)
			if (pair(&p) < 0) {
				path_close(&p);
				return -1;
			}
		n += 4;
		t = now_s() - t0;
	} while (t < budget && n < 200000);
	path_close(&p);
	return t * 1e9 / (double)n;
}

/* The number of the system call a tracee stopped at (x8 on aarch64), or -1. */
static long syscall_nr(pid_t pid)
{
	struct user_pt_regs regs;
	struct iovec iov = { &regs, sizeof regs };

	if (ptrace(PTRACE_GETREGSET, pid, (void *)(long)NT_PRSTATUS, &iov) < 0)
		return -1;
	return (long)regs.regs[8];
}

/* System calls per pair: a child sets up and warms its path, stops, runs reps pairs and exits;
 * the parent counts its system call entries in between with PTRACE_SYSCALL (less the exit), and
 * how many of them were ioctls (*ioctls, per pair). */
static double count_syscalls(int raw, uint64_t size, int reps, double *ioctls)
{
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (pid == 0) {
		struct path p;
		int (*pair)(struct path *) = raw ? raw_pair : plbuf_pair;
		if (path_open(&p, raw, size) < 0 || pair(&p) < 0)
			_exit(2);
		ptrace(PTRACE_TRACEME, 0, NULL, NULL);
		raise(SIGSTOP);
		for (int i = 0; i < reps; i++)
			if (pair(&p) < 0)
				_exit(3);
		_exit(0); /* exit_group: one more entry, subtracted below */
	}
	int st;
	long entries = 0, in = 0, nioctl = 0;
	if (waitpid(pid, &st, 0) < 0 || !WIFSTOPPED(st)) {
		waitpid(pid, &st, 0);
		return -1;
	}
	ptrace(PTRACE_SETOPTIONS, pid, NULL, (void *)(long)PTRACE_O_TRACESYSGOOD);
	int sig = 0;
	for (;;) {
		if (ptrace(PTRACE_SYSCALL, pid, NULL, (void *)(long)sig) < 0)
			break;
		sig = 0;
		if (waitpid(pid, &st, 0) < 0 || WIFEXITED(st) || WIFSIGNALED(st))
			break;
		if (WSTOPSIG(st) == (SIGTRAP | 0x80)) {
			if (!in) {
				entries++;
				nioctl += syscall_nr(pid) == 29; /* __NR_ioctl, asm-generic */
			}
			in = !in;
		} else {
			sig = WSTOPSIG(st);
		}
	}
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		return -1;
	*ioctls = (double)nioctl / reps;
	return (double)(entries - 1) / reps;
}

int zocl_bench(void)
{
	static const uint64_t sizes[] = { 64, 4096, 65536, 1u << 20, 4u << 20 };
	double budget = 0.3;
	const char *e = getenv("PLBUF_BENCH_BUDGET");

	if (e && atof(e) > 0)
		budget = atof(e);
	printf("  %-8s %14s %14s %8s %16s %16s\n", "size", "plbuf ns/pair", "raw ns/pair", "ratio",
	       "plbuf syscalls", "raw syscalls");
	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		uint64_t s = sizes[i];
		double t0 = now_s();
		double tp = time_pairs(0, s, budget), tr = time_pairs(1, s, budget);
		int reps = s >= (1u << 20) ? 4 : 20;
		double ip, ir;
		double cp = count_syscalls(0, s, reps, &ip), cr = count_syscalls(1, s, reps, &ir);
		if (tp < 0 || tr < 0 || cp < 0 || cr < 0)
			return fail("size %llu: a path failed (%s)", (unsigned long long)s, plbuf_errmsg());
		printf("  %-8llu %14.0f %14.0f %8.1f %16.2f %16.2f   (%.1f s)\n", (unsigned long long)s,
		       tp, tr, tr / tp, cp, cr, now_s() - t0);
		printf("BENCH zocl size=%llu plbuf_ns=%.0f raw_ns=%.0f ratio=%.1f plbuf_syscalls=%.2f "
		       "raw_syscalls=%.2f plbuf_ioctls=%.2f raw_ioctls=%.2f\n", (unsigned long long)s,
		       tp, tr, tr / tp, cp, cr, ip, ir);
	}
	return 0;
}

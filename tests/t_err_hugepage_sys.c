/* The hugepage backend says what really failed: EACCES on the pool directory and running out of
 * file descriptors used to read "no hugetlbfs"; an unreadable pool counter counted as 0 ("no free
 * hugepages").  The pool directory is a fixture's (PLBUF_ROOT), with /proc/self/pagemap the real
 * one. */
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fixture.h"
#include "test.h"

#define HP "/sys/kernel/mm/hugepages"

static int unprivileged(void *arg)
{
	errno = 0;
	if (plbuf_open("hugepage", NULL) || errno != EACCES || !strstr(plbuf_errmsg(), "cannot open") ||
	    strstr(plbuf_errmsg(), "hugetlbfs")) {
		fprintf(stderr, "EACCES: errno %d: %s\n", errno, plbuf_errmsg());
		return 1;
	}
	printf("%s\n", plbuf_errmsg());
	return 0;
}

int main(void)
{
	CHECK(fx_write(HP "/hugepages-2048kB/nr_hugepages", 0444, "4\n") == 0);
	CHECK(fx_write(HP "/hugepages-2048kB/resv_hugepages", 0444, "0\n") == 0);
	CHECK(fx_mkdir(HP "/hugepages-2048kB/free_hugepages") == 0); /* read(2): EISDIR */
	CHECK(fx_write("/proc/meminfo", 0444, "Hugepagesize:       2048 kB\n") == 0);
	CHECK(fx_mkdir("/proc/self") == 0);
	CHECK(fx_symlink("/proc/self/pagemap", "/proc/self/pagemap") == 0);

	CHECK_NULL_ERR(plbuf_open("hugepage", NULL), EISDIR);
	printf("%s\n", plbuf_errmsg());
	CHECK(strstr(plbuf_errmsg(), "free_hugepages") && !strstr(plbuf_errmsg(), "no free"));

	/* The pool directory unreadable by an ordinary user. */
	CHECK(fx_chmod(HP, 0700) == 0);
	CHECK(fx_run_unprivileged(unprivileged, NULL) == 0);
	CHECK(fx_chmod(HP, 0755) == 0);

	/* Out of file descriptors: the limit at the lowest free descriptor (the counters readable
	 * again, so that nothing else fails first). */
	char dir[4096];
	CHECK(rmdir(fx_path(dir, sizeof(dir), HP "/hugepages-2048kB/free_hugepages")) == 0);
	CHECK(fx_write(HP "/hugepages-2048kB/free_hugepages", 0444, "4\n") == 0);
	struct rlimit rl;
	CHECK(getrlimit(RLIMIT_NOFILE, &rl) == 0);
	int lowest = dup(0);
	CHECK(lowest >= 0 && close(lowest) == 0);
	struct rlimit low = {(rlim_t)lowest, rl.rlim_max};
	CHECK(setrlimit(RLIMIT_NOFILE, &low) == 0);
	errno = 0;
	plbuf_ctx *ctx = plbuf_open("hugepage", NULL);
	int e = errno;
	CHECK(setrlimit(RLIMIT_NOFILE, &rl) == 0);
	CHECK(!ctx && e == EMFILE && !strstr(plbuf_errmsg(), "hugetlbfs"));
	printf("%s\n", plbuf_errmsg());
	return 0;
}

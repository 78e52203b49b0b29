/* hugepage: without CAP_SYS_ADMIN the kernel shows every PFN as 0; the probe, plbuf_open and the
 * pagemap reader each say that root (CAP_SYS_ADMIN) is needed.  Checked in a child that dropped
 * privileges with setuid. */
#include <pwd.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include "hugepages.h"
#include "os/pagemap.h"

static int child(void)
{
	struct plbuf_probe_info pi;
	int n = plbuf_probe(0, NULL), found = 0;

	if (setgid(65534) != 0 || setuid(65534) != 0 || geteuid() == 0) {
		perror("setuid");
		return 1;
	}
	/* A process that changed its uid is not dumpable and its /proc/self is root's; a program
	 * started as an ordinary user is dumpable and can open pagemap (and sees PFNs as 0). */
	prctl(PR_SET_DUMPABLE, 1);
	for (int i = 0; i < n; i++) {
		plbuf_probe(i, &pi);
		if (strcmp(pi.name, "hugepage") == 0) {
			found = 1;
			CHECK(pi.usable == 0);
			CHECK(strstr(pi.why, "CAP_SYS_ADMIN"));
			printf("probe: %s\n", pi.why);
		}
	}
	CHECK(found);
	CHECK_NULL_ERR(plbuf_open("hugepage", NULL), EPERM);
	printf("open: %s\n", plbuf_errmsg());
	CHECK(strstr(plbuf_errmsg(), "CAP_SYS_ADMIN"));
	CHECK(strstr(plbuf_errmsg(), "root"));

	/* The reader itself, on a page that is surely present. */
	static char page[4096] __attribute__((aligned(4096)));
	uint64_t phys;
	int fd = open("/proc/self/pagemap", O_RDONLY);
	page[0] = 1;
	CHECK(fd >= 0);
	CHECK_ERR(plbuf__pagemap_phys(fd, page, &phys), EPERM);
	close(fd);

	/* The automatic choice passes over it. */
	plbuf_ctx *ctx = plbuf_open(NULL, NULL);
	if (ctx) {
		CHECK(strcmp(plbuf_ctx_backend(ctx), "hugepage") != 0);
		plbuf_close(ctx);
	}
	return 0;
}

int main(void)
{
	int st;

	CHECK(hp_reserve(MB2, 2) == 2); /* so that only privileges are missing */
	pid_t pid = fork();
	CHECK(pid >= 0);
	if (pid == 0)
		_exit(child());
	CHECK(waitpid(pid, &st, 0) == pid);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	return 0;
}

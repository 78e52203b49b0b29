/* The device side trusts nothing in a memory file: a crafted header whose bank lies outside the file
 * (file_off + size overflowing 64 bits, or past its end), a bank count or a table of live buffers
 * out of range, a bad line size are refused by plbuf_sim_attach with EINVAL; after attach, what the
 * live header says is no longer read (a private copy is kept), so changing it cannot make
 * plbuf_sim_translate point outside the mapping.  Names longer than PLBUF_SIM_NAME_MAX are refused
 * on both sides with ENAMETOOLONG and the limit in the message, never cut. */
#include <fcntl.h>
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

#include "sim_format.h"
#include "test.h"

static char name[64];

/* A file of two pages: a header and one coherent bank of 4 KiB, then whatever craft() changes. */
static void make(void (*craft)(struct plbuf_sim_hdr *))
{
	char path[128];
	struct plbuf_sim_hdr h;

	memset(&h, 0, sizeof(h));
	memcpy(h.magic, PLBUF_SIM_MAGIC, 8);
	h.version = PLBUF_SIM_VERSION;
	h.nbanks = 1;
	h.line_size = 64;
	h.file_size = 8192;
	snprintf(h.banks[0].name, sizeof(h.banks[0].name), "X");
	h.banks[0].base = 0x1000;
	h.banks[0].size = 4096;
	h.banks[0].file_off = 4096;
	h.banks[0].coherent = 1;
	if (craft)
		craft(&h);
	snprintf(path, sizeof(path), "/dev/shm/%s", name);
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	CHECK(fd >= 0 && ftruncate(fd, 8192) == 0 && pwrite(fd, &h, sizeof(h), 0) == sizeof(h));
	close(fd);
}

static void overflow(struct plbuf_sim_hdr *h) { h->banks[0].file_off = UINT64_MAX - 100; }
static void past_end(struct plbuf_sim_hdr *h) { h->banks[0].file_off = 8192; }
static void too_many(struct plbuf_sim_hdr *h) { h->nbanks = PLBUF_SIM_MAX_BANKS + 1; }
static void bad_line(struct plbuf_sim_hdr *h) { h->line_size = 48; }
static void wrap(struct plbuf_sim_hdr *h) { h->banks[0].base = UINT64_MAX - 100; }
static void cpu_out(struct plbuf_sim_hdr *h)
{
	h->banks[0].coherent = 0;
	h->banks[0].cpu_off = 4096;
	h->banks[0].clean_off = 4096;
	h->banks[0].state_off = UINT64_MAX - 10;
}
static void wrong_size(struct plbuf_sim_hdr *h) { h->file_size = 1 << 20; }
static void bufs_out(struct plbuf_sim_hdr *h)
{
	h->nbufs = PLBUF_SIM_MAX_BUFS;
	h->bufs_off = UINT64_MAX - 10;
}
static void bufs_many(struct plbuf_sim_hdr *h)
{
	h->nbufs = PLBUF_SIM_MAX_BUFS + 1;
	h->bufs_off = 4096;
}

int main(void)
{
	void (*bad[])(struct plbuf_sim_hdr *) = {overflow, past_end, too_many, bad_line, wrap,
						 cpu_out, wrong_size, bufs_out, bufs_many};

	snprintf(name, sizeof(name), "plbuf-test-hdr-%d", (int)getpid());
	make(NULL);
	plbuf_sim_dev *d = plbuf_sim_attach(name);
	CHECK(d && plbuf_sim_translate(d, 0x1000, 4096));
	plbuf_sim_detach(d);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		make(bad[i]);
		CHECK_NULL_ERR(plbuf_sim_attach(name), EINVAL);
		printf("crafted header %zu: %s\n", i, plbuf_errmsg());
	}

	/* A header changed after attach: the copy made at attach is what counts. */
	make(NULL);
	d = plbuf_sim_attach(name);
	CHECK(d);
	char path[128];
	snprintf(path, sizeof(path), "/dev/shm/%s", name);
	int fd = open(path, O_RDWR);
	CHECK(fd >= 0);
	struct plbuf_sim_hdr *live = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK(live != MAP_FAILED);
	live->nbanks = PLBUF_SIM_MAX_BANKS;
	live->banks[0].file_off = UINT64_MAX - 100;
	for (int i = 1; i < PLBUF_SIM_MAX_BANKS; i++) {
		live->banks[i].base = 0x100000;
		live->banks[i].size = 1ull << 40;
		live->banks[i].file_off = 1ull << 30;
	}
	char *p = plbuf_sim_translate(d, 0x1000, 16);
	CHECK(p && p[0] == 0 && p[15] == 0); /* still inside the mapping */
	CHECK_NULL_ERR(plbuf_sim_translate(d, 0x100000, 16), ERANGE);
	munmap(live, 4096);
	close(fd);
	plbuf_sim_detach(d);
	unlink(path);

	/* Names: the limit on both sides, never cut. */
	char longname[PLBUF_SIM_NAME_MAX + 2], opts[200];
	memset(longname, 'n', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = 0; /* PLBUF_SIM_NAME_MAX + 1 bytes */
	snprintf(opts, sizeof(opts), "name=%s banks=A@0x1000:4K", longname);
	CHECK_NULL_ERR(plbuf_open("sim", opts), ENAMETOOLONG);
	printf("%s\n", plbuf_errmsg());
	CHECK(strstr(plbuf_errmsg(), "63"));
	CHECK_NULL_ERR(plbuf_sim_attach(longname), ENAMETOOLONG);
	CHECK(strstr(plbuf_errmsg(), "63"));
	CHECK_NULL_ERR(plbuf_open("sim", "name=a/b banks=A@0x1000:4K"), EINVAL);
	longname[PLBUF_SIM_NAME_MAX] = 0; /* exactly the limit: fine on both sides */
	snprintf(opts, sizeof(opts), "name=%s banks=A@0x1000:4K", longname);
	plbuf_ctx *ctx = plbuf_open("sim", opts);
	CHECK(ctx && !strcmp(plbuf_sim_name(ctx), longname));
	d = plbuf_sim_attach(longname);
	CHECK(d);
	plbuf_sim_detach(d);
	plbuf_close(ctx);
	return 0;
}

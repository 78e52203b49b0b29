/*
 * sim_format.h - the layout of a sim backend's memory file, shared by the CPU side
 * (src/backends/sim.c), the device side (src/sim_device.c) and the cache model and DMA-API checker
 * they both use (src/sim_check.c).  The file lives in /dev/shm; a device model in another process
 * maps it by name.  Everything the checker needs is in the file, so it works whether the device
 * model is a thread, another process or an RTL simulator.
 *
 *   page 0:  struct plbuf_sim_hdr (the bank table, the checker's mode and counts)
 *   then:    the table of live buffers (struct plbuf_sim_buf[nbufs], at bufs_off), kept by the
 *            CPU side while the checker is on, so that a device-side report can name the buffer
 *   then, for each bank, page-aligned:
 *     dev    the bank's device memory (DRAM), at banks[i].file_off
 *   and for a non-coherent bank only (0 offsets in a coherent one):
 *     cpu    the CPU's cached view of the bank, at banks[i].cpu_off
 *     clean  what each line of the CPU's view held when last filled or cleaned, at clean_off: a
 *            line is dirty when cpu and clean differ (CPU writes are plain stores, nothing traps)
 *     state  one byte per line (PLBUF_SIM_LINE_*), at state_off
 */
#ifndef PLBUF_SIM_FORMAT_H
#define PLBUF_SIM_FORMAT_H

#include <stdint.h>

#define PLBUF_SIM_MAGIC "PLBUFSIM"
#define PLBUF_SIM_VERSION 3
#define PLBUF_SIM_MAX_BANKS 16
#define PLBUF_SIM_HDR_SIZE 4096
#define PLBUF_SIM_NCOUNTS 8
/* Live buffers the device side can name (64 KiB of the file, backed only while the checker is on);
 * beyond that many, device-side reports give addresses only. */
#define PLBUF_SIM_MAX_BUFS 1024

/* The checker's mode (hdr.check), set by the context's owner, read by every side at each access. */
#define PLBUF_SIM_CHECK_OFF    0
#define PLBUF_SIM_CHECK_REPORT 1
#define PLBUF_SIM_CHECK_FATAL  2

/* A line's state byte. */
#define PLBUF_SIM_LINE_DEV_WRITTEN 0x1u /* the device wrote it since the CPU last filled or
                                           cleaned it (tracked while the checker is on) */

struct plbuf_sim_bank_hdr {
	char name[32];
	uint64_t base;      /* device address of the bank's first byte */
	uint64_t size;
	uint64_t file_off;  /* device memory */
	uint64_t cpu_off;   /* the CPU's view, 0 in a coherent bank */
	uint64_t clean_off;
	uint64_t state_off;
	uint32_t coherent;
	uint32_t pad;
};

struct plbuf_sim_hdr {
	char magic[8];
	uint32_t version;
	uint32_t nbanks;
	uint64_t line_size;
	uint64_t file_size;
	uint32_t check;                     /* PLBUF_SIM_CHECK_* */
	uint32_t pad;
	uint64_t counts[PLBUF_SIM_NCOUNTS]; /* problems found, by kind (enum plbuf_sim_problem) */
	struct plbuf_sim_bank_hdr banks[PLBUF_SIM_MAX_BANKS];
	uint64_t bufs_off;                  /* the table of live buffers */
	uint32_t nbufs;                     /* its entries */
	uint32_t pad2;
};

/*
 * One live buffer of a non-coherent bank, written by the process that created the file (at
 * allocate and free, while the checker is on), read by any side, without a lock: a seqlock per
 * entry.  seq is odd while the entry changes (a writer claims it by compare-and-swap from even to
 * odd, so that two threads never write one entry); a reader copies the fields and keeps them only
 * if seq was even and the same before and after.  mem_len 0: the entry is free.  Every field is
 * read and written with atomic operations: the reader may be another process.
 */
struct plbuf_sim_buf {
	uint64_t seq;
	uint64_t mem, mem_len;  /* device addresses of the buffer's memory (what a device reaches) */
	uint64_t dev, len;      /* the buffer as the CPU side's reports name it: plbuf_device_address
				   of its first byte, and its bytes */
	uint64_t pad[3];
};

_Static_assert(sizeof(struct plbuf_sim_hdr) <= PLBUF_SIM_HDR_SIZE, "sim header fits a page");

/* ---- the cache model and the checker (sim_check.c), as either side sees a bank */

struct plbuf_sim_bankv {
	const char *name;
	uint64_t base, size, line;
	char *dev, *cpu, *clean;  /* cpu, clean: NULL in a coherent bank */
	uint8_t *state;
	struct plbuf_sim_buf *bufs; /* the file's table of live buffers, nbufs entries */
	uint32_t nbufs;
};

/* The live buffers of the table: add (at allocate), remove (at free), and the first one whose
 * memory overlaps [lo, hi) (device addresses), with the count of the others that do; 0 when none
 * does. */
void plbuf__sim_buf_add(struct plbuf_sim_buf *t, uint32_t n, uint64_t mem, uint64_t mem_len,
			uint64_t dev, uint64_t len);
void plbuf__sim_buf_del(struct plbuf_sim_buf *t, uint32_t n, uint64_t mem);
int plbuf__sim_buf_find(const struct plbuf_sim_buf *t, uint32_t n, uint64_t lo, uint64_t hi,
			struct plbuf_sim_buf *out, unsigned *others);

/* The first dirty line at or after off (line-aligned) and before end; end when there is none. */
uint64_t plbuf__sim_next_dirty(const struct plbuf_sim_bankv *v, uint64_t off, uint64_t end);
/* The first line at or after off that is clean, or end. */
uint64_t plbuf__sim_next_clean(const struct plbuf_sim_bankv *v, uint64_t off, uint64_t end);
/* The cache model's flush and invalidate of whole lines [off, end): flush writes back the dirty
 * lines, invalidate refills every line from device memory; with tracking (the checker on), the
 * lines' "written by the device" marks are cleared where device memory or the CPU's view changed. */
void plbuf__sim_flush(const struct plbuf_sim_bankv *v, uint64_t off, uint64_t end, int tracking);
void plbuf__sim_refill(const struct plbuf_sim_bankv *v, uint64_t off, uint64_t end, int tracking);

/* Reports one problem the checker found: adds to hdr's counts, hands it to the callback (one line on
 * stderr by default, once per distinct problem) and aborts when the mode is FATAL.  buf_len 0: the
 * buffer is unknown (the device side knows addresses only). */
void plbuf__sim_report(struct plbuf_sim_hdr *hdr, int problem, const char *bank, uint64_t buf_addr,
		       uint64_t buf_len, uint64_t addr, uint64_t len, const char *missing,
		       const char *fmt, ...) __attribute__((format(printf, 9, 10)));

/* The device side's accesses, checked when the checker is on: a read of lines the CPU dirtied and
 * did not flush is a missing flush; a write marks its lines as written by the device. */
void plbuf__sim_dev_read(struct plbuf_sim_hdr *hdr, const struct plbuf_sim_bankv *v, uint64_t off,
			 uint64_t len);
void plbuf__sim_dev_write(struct plbuf_sim_hdr *hdr, const struct plbuf_sim_bankv *v, uint64_t off,
			  uint64_t len);

#endif

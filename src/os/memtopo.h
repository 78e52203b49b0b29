/*
 * memtopo.h - the memory topology of an FPGA image (the MEM_TOPOLOGY section of an xclbin file),
 * which is what names the memory banks under XRT and zocl.  zocl exposes the section of the loaded
 * image as the binary sysfs file .../device/mem_topology; an xclbin file carries it as one of its
 * sections.  Shared by the zocl and xrt backends, which must not depend on XRT's headers for it
 * (zocl builds everywhere, XRT's headers exist only where libxrt-dev is installed).
 */
#ifndef PLBUF_MEMTOPO_H
#define PLBUF_MEMTOPO_H

#include <stddef.h>
#include <stdint.h>

/* Values of mem_data.m_type (enum MEM_TYPE in XRT's xclbin.h). */
enum plbuf_memtopo_type {
	PLBUF_MEM_DDR3 = 0, PLBUF_MEM_DDR4 = 1, PLBUF_MEM_DRAM = 2, PLBUF_MEM_STREAMING = 3,
	PLBUF_MEM_PREALLOCATED_GLOB = 4, PLBUF_MEM_ARE = 5, PLBUF_MEM_HBM = 6, PLBUF_MEM_BRAM = 7,
	PLBUF_MEM_URAM = 8, PLBUF_MEM_STREAMING_CONNECTION = 9, PLBUF_MEM_HOST = 10,
	PLBUF_MEM_PS_KERNEL = 11,
};

#define PLBUF_MEMTOPO_MAX 64

struct plbuf_memtopo_bank {
	int index;        /* position in the section: the bank index XRT and zocl take in BO flags */
	int type;         /* enum plbuf_memtopo_type */
	int used;         /* m_used: 0 when the image does not connect the bank */
	uint64_t base;    /* m_base_address */
	uint64_t size;    /* bytes (the section holds KiB) */
	char tag[17];     /* m_tag, e.g. "HP0", "HPC0", "bank1", "DDR[0]", "HOST[0]" */
};

/* Parses a MEM_TOPOLOGY section (int32 count, then 40-byte mem_data records from byte 8).
 * what names the file for messages.  Returns the number of records (0 for an empty section, as
 * zocl gives before an image is loaded) or -EINVAL with a message when the data is malformed. */
int plbuf__memtopo_parse(const void *data, size_t len, const char *what,
			 struct plbuf_memtopo_bank *out, int max);

/* Finds the MEM_TOPOLOGY section in a whole xclbin file image ("xclbin2" format) and parses it.
 * Returns as plbuf__memtopo_parse, or -ENOENT when the file has no such section. */
int plbuf__memtopo_from_xclbin(const void *data, size_t len, const char *what,
			       struct plbuf_memtopo_bank *out, int max);

/* The plbuf bank of topology entry t at position index (t NULL when there is no topology: the index
 * alone): named by its tag, "bank<index>" when it has none, with its base and size; the other
 * fields zero, for the backend to fill. */
struct plbuf_bank;
void plbuf__memtopo_bank(const struct plbuf_memtopo_bank *t, int index, struct plbuf_bank *b);

/* Reads a whole file (a sysfs binary attribute or an xclbin) into a malloc'd buffer; *len gets its
 * size.  The path is used as given (callers apply PLBUF_ROOT where it belongs).  Returns 0 or
 * -errno with a message naming the file. */
int plbuf__memtopo_read_file(const char *path, void **data, size_t *len);

#endif

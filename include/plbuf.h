/*
 * plbuf.h - DMA buffers for FPGA and accelerator IP, from Linux user space.
 *
 * A plbuf buffer is contiguous memory (physically, or in an IOMMU's IOVA space) that is typed and
 * shaped like a numpy array, knows the address a device must be given, knows whether it is
 * cache-coherent, and can flush / invalidate itself.  It is the C counterpart of PYNQ's
 * pynq.allocate() / pynq.Buffer.
 *
 * Conventions
 *  - Functions that return int return 0 (or a count) on success and a negative errno on failure.
 *  - Functions that return a pointer return NULL on failure and set errno.
 *  - After any failure, plbuf_errmsg() gives a sentence saying what failed and what to do about
 *    it (which file, ioctl, limit or argument).  The message is per thread and keeps the last
 *    failure's text until the next failure (a later successful call may clear it): read it right
 *    after the failure, and let the return value, not the message, say whether a call failed.
 *  - Sizes, offsets and addresses are 64-bit everywhere, on 32-bit systems too.
 *  - Handles are opaque.  A context may be used from several threads at once.
 *  - Lifecycles (docs/robustness.md shows the tests): a call on a closed context, or a second free
 *    of a handle, fails with EBADF in the common case instead of touching freed memory; after
 *    fork() the child keeps the parent's buffers but allocates only from its own contexts (see
 *    plbuf_open).
 *  - Every function has a man page (plbuf_open(3), ...; plbuf(7) for the concepts and backends).
 */
#ifndef PLBUF_H
#define PLBUF_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The version of this header: the one place the version is written (the Makefile, plbuf.pc and
 * the Python package read it from here).  PLBUF_VERSION_NUMBER compares as an integer:
 * #if PLBUF_VERSION_NUMBER >= PLBUF_VERSION_AT(0, 2, 0).  plbuf_version_number() is the same
 * number for the library actually loaded, which may be newer than the header a program was built
 * with (never older in its major version: the soname says so). */
#define PLBUF_VERSION_MAJOR 0
#define PLBUF_VERSION_MINOR 2
#define PLBUF_VERSION_PATCH 0
#define PLBUF_VERSION_AT(major, minor, patch) ((major) * 10000 + (minor) * 100 + (patch))
#define PLBUF_VERSION_NUMBER                                                                       \
	PLBUF_VERSION_AT(PLBUF_VERSION_MAJOR, PLBUF_VERSION_MINOR, PLBUF_VERSION_PATCH)

/* Growing the ABI.  Every struct a caller allocates ends in reserved space, so that a new field
 * takes reserved bytes and old binaries keep working: the options struct must be zeroed (= every
 * default) and the library refuses non-zero reserved bytes with EINVAL (a program built for a
 * newer plbuf, on an older library); the info structs have their reserved bytes zeroed by the
 * library.  Their sizes are fixed per ABI (src/abi.c asserts them, and that no padding holes are
 * left).  On 32-bit systems a pointer is followed by 4 reserved bytes, so that the options struct
 * has the same offsets everywhere. */
#if UINTPTR_MAX == 0xffffffffu
#define PLBUF_PTR_PAD_(name) uint32_t name;
#else
#define PLBUF_PTR_PAD_(name)
#endif

/* numpy's limit on dimensions (NPY_MAXDIMS in numpy 1.x). */
#define PLBUF_MAXDIM 32
#define PLBUF_DTYPE_STRLEN 64
#define PLBUF_NAMELEN 32
/* Returned by plbuf_physical_address() when the backend cannot know it. */
#define PLBUF_NO_ADDRESS UINT64_MAX

typedef struct plbuf_ctx plbuf_ctx; /* an open backend: its banks and pools */
typedef struct plbuf_buf plbuf_buf; /* a buffer, or a view of one */

/* ---------------------------------------------------------------- errors */

/* The message of the last failure in this thread ("" if none).  Never NULL. */
const char *plbuf_errmsg(void);
/* strerror() for plbuf's codes; accepts err or -err. */
const char *plbuf_strerror(int err);

/* ---------------------------------------------------------------- dtypes */

/* A dtype as numpy parses it: the fields carry numpy's values of the same names. */
struct plbuf_dtype_info {
	char str[PLBUF_DTYPE_STRLEN]; /* dtype.str: "<u4", ">f8", "|b1", "<U5", "<M8[ns]", "|V12" */
	char kind;                    /* dtype.kind: b i u f c m M S U V */
	char byteorder;               /* dtype.byteorder: '<' '>' '|' '=' (as numpy reports it) */
	char reserved0[2];
	int nfields;                  /* len(dtype.fields), 0 when not a record */
	uint64_t itemsize;            /* dtype.itemsize */
	uint64_t alignment;           /* dtype.alignment */
	/* Sub-array dtypes ("(2,3)f4"): numpy expands them into the array's shape. */
	int subndim;                          /* len(dtype.shape); 0 when not a sub-array */
	int32_t reserved1;
	int64_t subshape[PLBUF_MAXDIM];       /* dtype.shape */
	char base[PLBUF_DTYPE_STRLEN];        /* dtype.base.str (== str when not a sub-array) */
	uint64_t base_itemsize;               /* dtype.base.itemsize */
	uint64_t base_alignment;              /* dtype.base.alignment */
	uint64_t reserved[10];                /* zeroed: room for new fields (512 bytes in all) */
};

/* Parses a dtype string exactly as numpy.dtype() does.
 * Returns 0, or -EINVAL with a message for a string numpy rejects, and for 'O' (object), which
 * numpy accepts but DMA cannot carry. */
int plbuf_dtype_parse(const char *str, struct plbuf_dtype_info *out);

/* ---------------------------------------------------------------- contexts */

/* Opens a backend by name ("sim", "hugepage", "reserved", "vfio", "udmabuf", "xlnk", "zocl", "xrt"),
 * or the automatic choice when name is NULL or "auto".  options is a space-separated list of
 * key=value pairs understood by that backend (docs/backends/<name>.md lists them), or NULL.
 * Sizes in options are decimal, or hexadecimal after 0x, with an optional K/M/G/T suffix; a
 * leading 0 does not mean octal.
 * The environment variable PLBUF_OPTIONS adds options to these: it may add keys or repeat one with
 * the same value, but a key it gives another value than options does (banks=A... in the program,
 * banks=B... in PLBUF_OPTIONS) fails with EINVAL naming both.  PLBUF_BACKEND overrides an
 * automatic choice, and PLBUF_ROOT prefixes every /dev, /sys and /proc path (for fixture trees).
 * The automatic choice takes the first backend, by rank, that probes usable and opens; if one that
 * probed usable fails to open and none after it opens, its error is the one reported.
 *
 * fork(): in the child, a context opened before the fork is "inherited".  Its buffers stay mapped
 * and usable (read, write, flush/invalidate, views, queries, plbuf_free of their handles), but its
 * memory is the parent's: plbuf_allocate on it fails with EPERM, and freeing its buffers, closing
 * it, or the child's exit gives nothing back to the pool or the driver (no BO closed, no IOVA
 * unmapped, no CMA buffer or huge page freed, no file removed): only the child's bookkeeping goes.
 * The child allocates from contexts it opens itself, or from its own default context
 * (plbuf_default, ctx NULL), which is opened afresh in the child.  What this rests on: a
 * pthread_atfork handler, so fork() and everything built on it (Python's os.fork, multiprocessing's
 * fork method) are covered; a raw clone() system call is not. */
plbuf_ctx *plbuf_open(const char *name, const char *options);
/* Closes a context.  Buffers still allocated from it are released with it; their handles become
 * invalid (plbuf_free of one is EBADF).  NULL is ignored; closing an already closed context is
 * ignored with an EBADF message.  Closing the default context is allowed: the next plbuf_default()
 * (or plbuf_allocate with ctx NULL) opens a new one.
 * A closed context's memory is kept aside and reused only after several later closes, so a call on
 * it (plbuf_allocate, plbuf_ctx_nbanks, plbuf_ctx_bank, plbuf_ctx_describe, plbuf_close) fails with
 * EBADF rather than reading freed memory.  What stays undetectable: a call after enough other
 * contexts were opened and closed that its memory was reused (it then reaches a different,
 * live context), the cheap queries (plbuf_data, plbuf_ctx_backend, ...), which check nothing, and a
 * call that is still running in another thread when plbuf_close is called: as with close(2), the
 * caller must not close a context while other threads use it. */
void plbuf_close(plbuf_ctx *ctx);
/* The process-wide default context, opened on first use as plbuf_open(NULL, NULL) would; opened
 * again after plbuf_close() of it, and afresh in a forked child.  A failure to open is remembered
 * (the same error each call) until the next fork(). */
plbuf_ctx *plbuf_default(void);

const char *plbuf_ctx_backend(const plbuf_ctx *ctx); /* "sim", "hugepage", ... */
/* Why the automatic choice picked this backend (one line); "" for an explicit one. */
const char *plbuf_ctx_reason(const plbuf_ctx *ctx);

/* Backend-specific lines for `plbuf info` (memory file, free hugepages, how to get more memory),
 * written into buf as text.  Returns the length it needed (like snprintf) or a negative errno. */
int plbuf_ctx_describe(plbuf_ctx *ctx, char *buf, size_t len);

/* Cache-line size the context maintains and aligns to. */
size_t plbuf_ctx_line_size(const plbuf_ctx *ctx);

struct plbuf_bank_info {
	char name[PLBUF_NAMELEN]; /* "DDR0", "udmabuf0", "bank1", ... */
	uint64_t base;            /* lowest device address of the bank, 0 when unknown */
	uint64_t size;            /* bytes the bank can hold in all (0 when unknown) */
	uint64_t free;            /* bytes not allocated (an upper bound: fragmentation) */
	uint64_t largest;         /* largest single allocation that would succeed now */
	int coherent;             /* 1 when cached buffers in the bank are coherent with the device */
	int32_t reserved0;
	uint64_t reserved[7];     /* zeroed: room for new fields (128 bytes in all) */
};
/* Number of banks, or a negative errno. */
int plbuf_ctx_nbanks(plbuf_ctx *ctx);
/* Fills *out for bank index i.  Returns 0 or -EINVAL / -ENOENT. */
int plbuf_ctx_bank(plbuf_ctx *ctx, int i, struct plbuf_bank_info *out);

/* One row per compiled-in backend, for `plbuf info`. */
struct plbuf_probe_info {
	const char *name;    /* backend name */
	const char *summary; /* what it is, in a few words */
	int usable;          /* 1 when it could be opened here */
	int rank;            /* order of preference of the automatic choice (lower first) */
	char why[256];       /* why it is not usable, or what it found */
	uint64_t reserved[5]; /* zeroed: room for new fields */
};
/* Probes backend i (0 <= i < count).  Returns the number of backends, whatever i is; fills *out
 * when i is in range and out is not NULL. */
int plbuf_probe(int i, struct plbuf_probe_info *out);

/* ---------------------------------------------------------------- allocation */

enum plbuf_cacheable {
	PLBUF_CACHEABLE_DEFAULT = 0, /* backend's choice: cached wherever range sync is correct */
	PLBUF_CACHEABLE_YES = 1,
	PLBUF_CACHEABLE_NO = 2,      /* write-combine where the backend can, else uncached */
};

/* Options of plbuf_allocate(); a zeroed struct (or NULL) means every default.  Zero it before
 * setting fields (`struct plbuf_alloc_opts o = {.bank = "DDR1"};` or memset): the reserved bytes
 * must be zero (EINVAL otherwise).  104 bytes on every ABI. */
struct plbuf_alloc_opts {
	char order;                  /* 'C' (default when 0) or 'F' */
	char reserved0[3];
	int cacheable;               /* enum plbuf_cacheable */
	const char *bank;            /* memory bank by name (PYNQ's target=ol.DDR0); NULL: bank 0,
	                                or with max_device_address, the first bank (by index) low
	                                enough for the buffer to fit below it, then the next such
	                                bank if that one has no room */
	PLBUF_PTR_PAD_(reserved1)
	uint64_t alignment;          /* device-address alignment, a power of two; 0: line size */
	int zero;                    /* 1: fill with zeros (and make that visible to the device) */
	int32_t reserved2;
	uint64_t max_device_address; /* highest device address the IP can reach (e.g. 0xffffffff for
	                                a 32-bit AXI master); 0: no limit.  Every byte must lie below
	                                or at it. */
	uint64_t reserved[8];        /* zero: room for new options */
};

/* Allocates an array of the given shape and dtype: numpy.ndarray(shape, dtype, order=...).
 * ctx NULL means plbuf_default().  dtype NULL means "u4".  ndim may be 0 (a scalar).  Sub-array dtypes extend the
 * shape as numpy does.  Fails with:
 *   EBADF  ctx was closed (see plbuf_close);
 *   EPERM  ctx was inherited across fork() (see plbuf_open);
 *   EINVAL  a bad dtype, a negative or zero dimension, ndim out of [0, PLBUF_MAXDIM], bad opts;
 *   EOVERFLOW  the byte size does not fit in 64 bits (or in size_t);
 *   ENOENT  no bank of that name;
 *   ENOMEM  no memory (the message says how much was asked, with what alignment, how much is
 *           free where, and how to get more);
 *   ERANGE  no memory below max_device_address: the bank lies above it, or its memory below it is
 *           taken while there is room above (the limit applies to each buffer's bytes);
 *   EOPNOTSUPP  the bank cannot give memory of the cacheability asked, or cached memory there
 *           could not be cleaned (ARMv7 without a driver that syncs). */
plbuf_buf *plbuf_allocate(plbuf_ctx *ctx, int ndim, const int64_t *shape, const char *dtype,
                          const struct plbuf_alloc_opts *opts);

/* Releases a handle.  A view keeps its base's memory alive: freeing a base whose views are still
 * live invalidates the base handle at once and returns the memory when the last view is freed.
 * Returns 0; -EBADF for a handle that was already freed, or whose context was closed (NULL is
 * fine).  A freed handle is handed out again only after a quarantine (tens of later allocations
 * from the same context, 8 from the same thread's cache), so `plbuf_free(a); c = plbuf_allocate();
 * plbuf_free(a)` is EBADF and leaves c alone.  Undetectable: a stale handle used after its slot
 * was reused (it then names another live buffer), and stale handles given to the queries below,
 * which check nothing. */
int plbuf_free(plbuf_buf *buf);

/* ---------------------------------------------------------------- queries
 * Cheap: no system call, no lock, and so no check of the handle: on a freed handle their result
 * is undefined (the handle is reused).  The functions below that can fail (sync, views, copies)
 * check it and return -EBADF. */

void *plbuf_data(const plbuf_buf *buf);                   /* first element, for the CPU */
uint64_t plbuf_device_address(const plbuf_buf *buf);      /* first element, for the IP */
uint64_t plbuf_physical_address(const plbuf_buf *buf);    /* CPU physical address, or
                                                             PLBUF_NO_ADDRESS (e.g. VFIO, XRT) */
uintptr_t plbuf_virtual_address(const plbuf_buf *buf);    /* (uintptr_t)plbuf_data() */
uint64_t plbuf_nbytes(const plbuf_buf *buf);              /* itemsize * number of elements */
uint64_t plbuf_itemsize(const plbuf_buf *buf);
int plbuf_ndim(const plbuf_buf *buf);
const int64_t *plbuf_shape(const plbuf_buf *buf);         /* ndim entries */
const int64_t *plbuf_strides(const plbuf_buf *buf);       /* in bytes, may be negative */
const struct plbuf_dtype_info *plbuf_dtype(const plbuf_buf *buf);
int plbuf_coherent(const plbuf_buf *buf);   /* 1: no flush/invalidate needed for this memory */
int plbuf_cacheable(const plbuf_buf *buf);  /* 1: the CPU mapping is cached */
const char *plbuf_backend(const plbuf_buf *buf);
const char *plbuf_bank(const plbuf_buf *buf);
int plbuf_is_view(const plbuf_buf *buf);
/* The byte span the buffer touches: [device_address + lo, device_address + hi), lo <= 0 < hi for
 * negative strides.  For a contiguous buffer lo = 0 and hi = nbytes. */
void plbuf_span(const plbuf_buf *buf, int64_t *lo, int64_t *hi);

/* ---------------------------------------------------------------- cache maintenance
 * flush: the CPU's writes become visible to the device.  invalidate: the device's writes become
 * visible to the CPU.  Both are cheap fences on coherent memory.  A view syncs only the bytes it
 * spans.  Partial cache lines at the edges of a range are cleaned and invalidated, as the Linux
 * DMA API does, so data next to the range is never lost. */
int plbuf_flush(plbuf_buf *buf);
int plbuf_invalidate(plbuf_buf *buf);
int plbuf_sync_to_device(plbuf_buf *buf);   /* = plbuf_flush */
int plbuf_sync_from_device(plbuf_buf *buf); /* = plbuf_invalidate */
/* Ranges are in bytes from the buffer's first element (plbuf_data()); they must lie inside the
 * buffer's span (-EINVAL otherwise, on every kind of memory: coherent and cacheable=no too, so
 * that code wrong this way fails on a PC as it would on a board).  A freed buffer: -EBADF. */
int plbuf_flush_range(plbuf_buf *buf, int64_t offset, uint64_t size);
int plbuf_invalidate_range(plbuf_buf *buf, int64_t offset, uint64_t size);

/* ---------------------------------------------------------------- views */

/* A numpy-style basic slice of buf: "1:5, ::2", "-1", "...", ":, 0", "::-1".  The view shares the
 * memory and keeps it alive; free it with plbuf_free().  Fails with EINVAL (malformed slice, too
 * many indices) or EINDEX-like -EINVAL for an index out of range; the message says which. */
plbuf_buf *plbuf_view(plbuf_buf *buf, const char *slice);
/* numpy's reshape without copying: the new shape may contain one -1.  Fails with EINVAL when the
 * sizes differ or the memory layout cannot be expressed without a copy. */
plbuf_buf *plbuf_reshape(plbuf_buf *buf, int ndim, const int64_t *shape, char order);

/* ---------------------------------------------------------------- copies safe on any mapping
 * memcpy may use unaligned or vector accesses that fault (SIGBUS) on device-type (uncached arm64)
 * mappings.  These copy with naturally aligned accesses only. */
/* Return 0, or -EINVAL (buf NULL, [offset, offset+size) outside the buffer, or a strided view),
 * -EBADF (a freed buffer).  They do not flush or invalidate. */
int plbuf_write(plbuf_buf *buf, uint64_t offset, const void *src, uint64_t size);
int plbuf_read(const plbuf_buf *buf, uint64_t offset, void *dst, uint64_t size);

/* ---------------------------------------------------------------- the sim backend's device side
 * A device model (a thread, another process, an RTL simulator's DPI code) attaches to a sim
 * context's memory by name and reaches it only by device address: what it sees is DRAM, not the
 * CPU's caches. */
typedef struct plbuf_sim_dev plbuf_sim_dev;

/* The name to attach to for a sim context (NULL when ctx is not a sim context). */
const char *plbuf_sim_name(const plbuf_ctx *ctx);
/* Maps the sim memory of that name.  NULL with errno: EINVAL (no name, not a plbuf sim file or
 * another format version), ENOENT (no such memory: the context closed), ENOMEM. */
plbuf_sim_dev *plbuf_sim_attach(const char *name);
void plbuf_sim_detach(plbuf_sim_dev *dev); /* NULL is ignored */
/* A pointer to device memory [addr, addr+len), or NULL (errno ERANGE) when the range is not
 * inside one bank; sim_read/sim_write copy it and return 0, -ERANGE or -EINVAL (dev NULL, or
 * no dst/src for a non-zero len). */
void *plbuf_sim_translate(plbuf_sim_dev *dev, uint64_t addr, uint64_t len);
int plbuf_sim_read(plbuf_sim_dev *dev, uint64_t addr, void *dst, uint64_t len);
int plbuf_sim_write(plbuf_sim_dev *dev, uint64_t addr, const void *src, uint64_t len);
/* The longest name a sim context's memory file may have (name= on the CPU side, the name given to
 * plbuf_sim_attach): a longer one fails with ENAMETOOLONG on both sides, never cut. */
#define PLBUF_SIM_NAME_MAX 63

/* ---- the sim's DMA-API checker (docs/backends/sim.md)
 * The user-space counterpart of Linux's CONFIG_DMA_API_DEBUG.  On when the sim context is opened
 * with check=1 (or check=fatal: abort() after the report, for CI), or, without that option, when
 * the environment variable PLBUF_SIM_CHECK is 1 or fatal (plbuf's own tests run with
 * PLBUF_SIM_CHECK=1).  It watches the CPU side (flush, invalidate, free) and the device side's
 * plbuf_sim_read / plbuf_sim_write, in whichever process they run; a device model that uses the
 * raw pointer of plbuf_sim_translate declares its accesses with plbuf_sim_declare_read / _write,
 * or the checker cannot see them. */
enum plbuf_sim_problem {
	PLBUF_SIM_MISSING_FLUSH = 0,      /* the device read lines the CPU dirtied and did not flush */
	PLBUF_SIM_MISSING_INVALIDATE = 1, /* a buffer was freed with lines the device wrote after the
	                                     CPU's last invalidate: the CPU never saw them */
	PLBUF_SIM_CPU_WRITE_WHILE_DEVICE_OWNS = 2, /* the CPU wrote lines after the flush that gave
	                                     them to the device (an invalidate drops them), or lines
	                                     the device also wrote (one of the two writes is lost) */
	PLBUF_SIM_BAD_SYNC = 3,           /* a flush/invalidate of a freed buffer or outside it */
	PLBUF_SIM_NPROBLEMS = 4
};
struct plbuf_sim_report {
	enum plbuf_sim_problem problem;
	const char *bank;     /* the bank's name */
	uint64_t buf_addr;    /* the buffer (device address of its first byte and its length); */
	uint64_t buf_len;     /* buf_len 0 when unknown: the device side knows addresses only */
	uint64_t addr, len;   /* the device addresses concerned */
	const char *missing;  /* the call that was missing or wrong: "plbuf_flush", ... */
	const char *message;  /* all of it in one line, as printed by default */
};
/* Where reports go, for every sim context and device of the process: fn(report, arg) for each
 * problem found, in the thread that found it.  NULL restores the default: one line on stderr per
 * distinct problem (the same kind at the same addresses is printed once). */
typedef void (*plbuf_sim_check_fn)(const struct plbuf_sim_report *report, void *arg);
void plbuf_sim_set_check_callback(plbuf_sim_check_fn fn, void *arg);
/* Problems found so far in this context's memory, by any process (counts[i] for
 * enum plbuf_sim_problem i, up to n of them).  Returns PLBUF_SIM_NPROBLEMS, or -EINVAL when ctx is
 * not a sim context. */
int plbuf_sim_check_counts(const plbuf_ctx *ctx, uint64_t *counts, int n);
int plbuf_sim_dev_check_counts(plbuf_sim_dev *dev, uint64_t *counts, int n);
/* For device models that use plbuf_sim_translate: the checker sees [addr, addr+len) as read /
 * written by the device, as plbuf_sim_read / _write would have.  Returns 0 or -ERANGE. */
int plbuf_sim_declare_read(plbuf_sim_dev *dev, uint64_t addr, uint64_t len);
int plbuf_sim_declare_write(plbuf_sim_dev *dev, uint64_t addr, uint64_t len);

/* ---------------------------------------------------------------- the vfio backend's device
 * A VFIO group can be opened only once, and a vfio context holds it: the device's own VFIO fd
 * (for VFIO_DEVICE_GET_REGION_INFO, its BARs and config space) is lent out here.  It stays owned by
 * the context: do not close it.  Returns -1 (errno EINVAL) when ctx is not a vfio context opened
 * with device=. */
int plbuf_vfio_device_fd(const plbuf_ctx *ctx);

/* ---------------------------------------------------------------- registers and interrupts
 * The other half of talking to IP: its register window (PYNQ's MMIO) and its interrupt.  The same
 * driver code runs on a board (UIO, /dev/mem, VFIO) and against a device model of the sim backend
 * (a C model in the same process, or a model or RTL simulator in another: docs/cosim.md).
 *
 * Ordering.  Every register write is preceded by a barrier that orders all of the CPU's earlier
 * memory accesses and cache maintenance before it, so a write that starts the IP cannot overtake
 * plbuf_flush() or stores to an uncached buffer; every register read is followed by a barrier that
 * orders it before all later accesses, so data read (or invalidated) after a "done" status is not
 * read early.  aarch64: DMB OSHST + STR, LDR + DMB OSH; arm: DSB ST + STR, LDR + DMB; x86_64:
 * SFENCE + MOV, MOV + compiler barrier; elsewhere a full fence (src/arch/io.h says why).
 * Each access is one load or store of the width asked: offsets must be aligned to it (-EINVAL)
 * and inside the window (-ERANGE).  A window may be used from several threads at once. */
typedef struct plbuf_mmio plbuf_mmio; /* a register window */
typedef struct plbuf_irq plbuf_irq;   /* an interrupt line */

/* Map index `map` of a UIO device: dev is "uio0", "/dev/uio0", "0", or the device's name (its
 * /sys/class/uio/uioN/name, e.g. "my_ip" from the device tree).  The window is the map's size,
 * starting at its offset attribute.  Fails with ENOENT (no such device or map), EACCES, EINVAL. */
plbuf_mmio *plbuf_mmio_open_uio(const char *dev, int map);
/* length bytes of physical address space at phys, through /dev/mem (O_SYNC: uncached).  Root,
 * and a kernel whose STRICT_DEVMEM lets the range through (MMIO of the PL is; RAM is not). */
plbuf_mmio *plbuf_mmio_open_phys(uint64_t phys, uint64_t length);
/* BAR bar (0-5) of the device of a vfio context opened with device= (plbuf_vfio_device_fd()):
 * mapped when VFIO allows it, else read and written through the device fd (pread/pwrite). */
plbuf_mmio *plbuf_mmio_open_vfio(plbuf_ctx *ctx, int bar);
/* A register window that a device model serves for sim context ctx (plbuf_sim_model_*() below):
 * in this process (its callbacks run in the caller's thread) or in another (each access is a
 * request the model answers).  ENOENT while no model serves a window of that name (after waiting
 * up to PLBUF_SIM_MODEL_WAIT seconds for one, 0 by default: an RTL simulator takes a while). */
plbuf_mmio *plbuf_mmio_open_sim(plbuf_ctx *ctx, const char *window);
/* Unmaps and releases the window.  NULL is ignored. */
void plbuf_mmio_close(plbuf_mmio *m);
uint64_t plbuf_mmio_length(const plbuf_mmio *m);
/* Physical (bus) address of offset 0, or PLBUF_NO_ADDRESS when unknown (VFIO, sim). */
uint64_t plbuf_mmio_address(const plbuf_mmio *m);

/* Register accesses.  Return 0, or -EINVAL (misaligned, bad handle), -ERANGE (outside the
 * window), -EIO (a sim model answered with a bus error, or its process died), -ETIMEDOUT (a sim
 * model did not answer in PLBUF_SIM_REG_TIMEOUT seconds, 30 by default). */
int plbuf_mmio_read8(plbuf_mmio *m, uint64_t off, uint8_t *val);
int plbuf_mmio_read16(plbuf_mmio *m, uint64_t off, uint16_t *val);
int plbuf_mmio_read32(plbuf_mmio *m, uint64_t off, uint32_t *val);
int plbuf_mmio_read64(plbuf_mmio *m, uint64_t off, uint64_t *val);
int plbuf_mmio_write8(plbuf_mmio *m, uint64_t off, uint8_t val);
int plbuf_mmio_write16(plbuf_mmio *m, uint64_t off, uint16_t val);
int plbuf_mmio_write32(plbuf_mmio *m, uint64_t off, uint32_t val);
int plbuf_mmio_write64(plbuf_mmio *m, uint64_t off, uint64_t val);
/* The same with the width in bytes (1, 2, 4, 8) as an argument, for bindings. */
int plbuf_mmio_read(plbuf_mmio *m, uint64_t off, int width, uint64_t *val);
int plbuf_mmio_write(plbuf_mmio *m, uint64_t off, int width, uint64_t val);

/* Interrupts.  A line is enabled (armed) when opened; an interrupt taken by plbuf_irq_wait()
 * leaves a UIO line or VFIO INTx masked, as the kernel does, until the next wait (or
 * plbuf_irq_enable()) arms it again: after the driver has acknowledged the IP, so that a
 * level-triggered line still asserted is not taken twice.  Nothing is lost meanwhile: a level line
 * fires when unmasked, an edge is replayed by the kernel. */
/* The interrupt of a UIO device (dev as for plbuf_mmio_open_uio()): UIO's protocol, a 4-byte
 * write of 1 to enable, a 4-byte read of the count.  A driver without irqcontrol is left alone,
 * except on PCI (uio_pci_generic), where INTx is unmasked in config space as the kernel's UIO
 * howto does. */
plbuf_irq *plbuf_irq_open_uio(const char *dev);
/* Interrupt `vector` of irq index `index` of a vfio context's device: index 0 INTx (vector 0),
 * 1 MSI, 2 MSI-X (VFIO_PCI_*_IRQ_INDEX), signalled through an eventfd (VFIO_DEVICE_SET_IRQS);
 * INTx, which VFIO masks on delivery, is unmasked (VFIO_IRQ_SET_ACTION_UNMASK) as said above. */
plbuf_irq *plbuf_irq_open_vfio(plbuf_ctx *ctx, int index, int vector);
/* Interrupt line `line` (0-31) that a device model of sim context ctx raises
 * (plbuf_sim_model_irq()); ENOENT (after PLBUF_SIM_MODEL_WAIT) while no model has opened ctx. */
plbuf_irq *plbuf_irq_open_sim(plbuf_ctx *ctx, int line);
/* Waits until the interrupt fires, at most timeout_ms milliseconds (-1: forever).  Returns the
 * number of interrupts since the previous wait (>= 1), -ETIMEDOUT, or -errno. */
int plbuf_irq_wait(plbuf_irq *irq, int timeout_ms);
/* A descriptor that polls readable (POLLIN) while an interrupt is pending, for poll/epoll; then
 * call plbuf_irq_wait(irq, 0), acknowledge the IP, and plbuf_irq_enable(irq) before polling
 * again.  Owned by irq: do not read or close it. */
int plbuf_irq_fd(const plbuf_irq *irq);
/* Arms the line again now (UIO: writes 1; VFIO INTx: unmasks); nothing when already armed. */
int plbuf_irq_enable(plbuf_irq *irq);
void plbuf_irq_close(plbuf_irq *irq);

/* Device models on sim.  A model opens the register side of a sim context by its name
 * (plbuf_sim_name()): a second shared-memory file, /dev/shm/<name>.regs, holds its windows (a
 * mailbox each: the driver's request, a doorbell, the model's answer) and its interrupt counters;
 * /dev/shm/<name>.irqN are FIFOs that make interrupts pollable.  The device side reaches memory
 * only by device address, with plbuf_sim_read() / plbuf_sim_write() (plbuf_sim_attach()). */
typedef struct plbuf_sim_model plbuf_sim_model;

/* One driver access to a served window. */
struct plbuf_sim_access {
	int window;      /* index, as returned by plbuf_sim_model_window() */
	int write;       /* 1 write, 0 read */
	int width;       /* bytes: 1, 2, 4, 8 */
	uint32_t reserved0;
	uint64_t offset; /* aligned to width, inside the window */
	uint64_t value;  /* a write's value */
	uint32_t seq;    /* the request's number, for plbuf_sim_model_reply() */
	uint32_t reserved1;
	uint64_t reserved[4]; /* zeroed by the library: room for new fields (72 bytes in all) */
};
/* A model's answers: return 0 (and for a read, set *value), or a negative errno for a bus error
 * (the driver's access fails with -EIO). */
struct plbuf_sim_window_ops {
	int (*read)(void *arg, uint64_t offset, int width, uint64_t *value);
	int (*write)(void *arg, uint64_t offset, int width, uint64_t value);
	/* NULL: room for new callbacks.  Initialise the struct by name ({.read = r, .write = w}
	 * zeroes the rest); a non-NULL one is refused with EINVAL by a library that does not know it. */
	void (*reserved[6])(void);
};

/* Opens (creating it when first) the register side of sim context `name`.  The process that
 * created it removes its files at plbuf_sim_model_close(). */
plbuf_sim_model *plbuf_sim_model_open(const char *name);
void plbuf_sim_model_close(plbuf_sim_model *m);
/* Declares a window of length bytes.  With ops, the model answers by callbacks: a driver in this
 * process calls them directly, one in another process has them called by
 * plbuf_sim_model_serve().  Without ops (NULL), the model takes each access with
 * plbuf_sim_model_next() and answers it with plbuf_sim_model_reply(), when it likes (an RTL
 * simulator after the bus transaction's cycles).  Returns the window's index or -errno (EEXIST
 * for a name already served, ENOSPC past 16 windows). */
int plbuf_sim_model_window(plbuf_sim_model *m, const char *window, uint64_t length,
                           const struct plbuf_sim_window_ops *ops, void *arg);
/* The next driver access to a window without ops, waiting at most timeout_ms (0: do not wait,
 * -1: forever).  Returns 1 and fills *a, 0 when none came, or -errno. */
int plbuf_sim_model_next(plbuf_sim_model *m, struct plbuf_sim_access *a, int timeout_ms);
/* Completes access a: value for a read, status 0 or a negative errno (a bus error). */
int plbuf_sim_model_reply(plbuf_sim_model *m, const struct plbuf_sim_access *a, uint64_t value,
                          int status);
/* Answers, by their callbacks, the accesses that drivers in other processes made to windows with
 * ops, waiting at most timeout_ms for the first.  Returns how many it answered, or -errno. */
int plbuf_sim_model_serve(plbuf_sim_model *m, int timeout_ms);
/* Raises interrupt line `line` (0-31): a driver's plbuf_irq_wait() on it returns. */
int plbuf_sim_model_irq(plbuf_sim_model *m, int line);

/* ---------------------------------------------------------------- version */
/* The loaded library's version: "0.2.0", and PLBUF_VERSION_AT(0, 2, 0) as a number that compares
 * with PLBUF_VERSION_NUMBER (the header's).  Never fail. */
const char *plbuf_version(void);
int plbuf_version_number(void);

#ifdef __cplusplus
}
#endif
#endif /* PLBUF_H */

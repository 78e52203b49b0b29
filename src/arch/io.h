/*
 * io.h - the barriers of register (MMIO) accesses, per architecture (src/mmio.c uses them).
 *
 * The rule a driver needs: a register write that starts the IP must not overtake anything the CPU
 * did before it to memory the IP will read (plbuf_flush()'s cache maintenance, plain stores to an
 * uncached, write-combined or coherent buffer); and memory the IP wrote must not be read before the
 * register read that says it is done.  So: a barrier before every write, one after every read, as
 * Linux's writel()/readl() do.  Each access itself is one load or store of exactly the width asked
 * (volatile, naturally aligned), so the device sees one bus transaction.
 *
 *   aarch64  write: DMB OSHST, then STR        read: LDR, then DMB OSH
 *            (plbuf_flush() ends in DSB SY, so its DC CVACs are complete before the DMB; a full DMB
 *            after the read also orders the DC CIVAC of a following plbuf_invalidate())
 *   arm      write: DSB ST, then STR           read: LDR, then DMB
 *   x86_64   write: SFENCE, then MOV           read: MOV, then a compiler barrier
 *            (x86 keeps loads in order and stores in order; SFENCE also drains the write-combining
 *            buffers of a WC buffer mapping, which a UC store alone does not order)
 *   others   write: a sequentially consistent fence, then the store; read: the load, then the fence
 */
#ifndef PLBUF_ARCH_IO_H
#define PLBUF_ARCH_IO_H

/* Two chains of the same shape, deliberately: one per direction, and each architecture's barrier
 * differs by direction (see the table above); merging them would hide which instruction is which. */
static inline void plbuf__io_before_write(void)
{
#if defined(__aarch64__)
	__asm__ volatile("dmb oshst" ::: "memory");
#elif defined(__arm__)
	__asm__ volatile("dsb st" ::: "memory");
#elif defined(__x86_64__)
	__asm__ volatile("sfence" ::: "memory");
#else
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
#endif
}

static inline void plbuf__io_after_read(void)
{
#if defined(__aarch64__)
	__asm__ volatile("dmb osh" ::: "memory");
#elif defined(__arm__)
	__asm__ volatile("dmb" ::: "memory");
#elif defined(__x86_64__)
	__asm__ volatile("" ::: "memory");
#else
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
#endif
}

#endif

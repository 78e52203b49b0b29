/*
 * plbuf_cosim.hpp - run your IP's RTL under Verilator against the same C driver that runs on the
 * board.  A header-only C++ bridge between a Verilated model's ports and a sim context of plbuf:
 *
 *   AxiMemory    serves an AXI4 master port of the IP (its DMA) from the sim context's device memory,
 *                by device address through plbuf_sim_read/plbuf_sim_write (so the DMA-API checker
 *                sees every access): INCR/FIXED/WRAP bursts, narrow beats, byte strobes, several
 *                bursts in flight, optional random back-pressure; protocol errors of the IP (a burst
 *                crossing 4 KiB, strobes outside the beat's lanes, a wrong WLAST) are recorded.
 *   AxiLiteRegs  drives an AXI-Lite slave port of the IP (its registers) with the driver's register
 *                accesses to a sim window (plbuf_mmio_open_sim() on the driver side).
 *   IrqLine      turns a rising edge of the IP's interrupt output into plbuf_sim_model_irq().
 *   Loop         the clock: one call of tick() is one cycle; run() ticks while there is bus
 *                activity and sleeps on the register doorbell when there is none.
 *
 * Signals are bound by address: PLBUF_COSIM_SIG(top->m_axi_awaddr) works for any width Verilator
 * gives (CData/SData/IData/QData, and VlWide for data buses wider than 64 bits, little-endian
 * hosts).  Walk-through: docs/cosim.md.  Needs plbuf.h and libplbuf; C++11.
 */
#ifndef PLBUF_COSIM_HPP
#define PLBUF_COSIM_HPP

#include <plbuf.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <deque>
#include <functional>
#include <string>
#include <vector>

namespace plbuf_cosim {

/* A port signal of a Verilated model, by address and size. */
struct Sig {
	void *p = nullptr;
	size_t n = 0;
	bool bound() const { return p != nullptr; }
	uint64_t get() const
	{
		uint64_t v = 0;
		if (p)
			std::memcpy(&v, p, n < 8 ? n : 8);
		return v;
	}
	void set(uint64_t v)
	{
		if (p)
			std::memcpy(p, &v, n < 8 ? n : 8);
	}
	void get_bytes(uint8_t *out, size_t len) const
	{
		std::memset(out, 0, len);
		if (p)
			std::memcpy(out, p, n < len ? n : len);
	}
	void set_bytes(const uint8_t *in, size_t len)
	{
		if (!p)
			return;
		std::memset(p, 0, n);
		std::memcpy(p, in, n < len ? n : len);
	}
};
#define PLBUF_COSIM_SIG(x) (::plbuf_cosim::Sig{(void *)&(x), sizeof(x)})

/* An AXI4 master port of the IP.  id, size, burst and len may be left unbound (then 0, the bus
 * width, INCR and 0); the rest must be bound. */
struct Axi4Port {
	Sig awid, awaddr, awlen, awsize, awburst, awvalid, awready;
	Sig wdata, wstrb, wlast, wvalid, wready;
	Sig bid, bresp, bvalid, bready;
	Sig arid, araddr, arlen, arsize, arburst, arvalid, arready;
	Sig rid, rdata, rresp, rlast, rvalid, rready;
};
/* Binds every signal named <prefix>awid ... <prefix>rready of a Verilated top. */
#define PLBUF_COSIM_AXI4(top, prefix)                                                              \
	(::plbuf_cosim::Axi4Port{                                                                  \
		PLBUF_COSIM_SIG((top)->prefix##awid), PLBUF_COSIM_SIG((top)->prefix##awaddr),      \
		PLBUF_COSIM_SIG((top)->prefix##awlen), PLBUF_COSIM_SIG((top)->prefix##awsize),     \
		PLBUF_COSIM_SIG((top)->prefix##awburst), PLBUF_COSIM_SIG((top)->prefix##awvalid),  \
		PLBUF_COSIM_SIG((top)->prefix##awready), PLBUF_COSIM_SIG((top)->prefix##wdata),    \
		PLBUF_COSIM_SIG((top)->prefix##wstrb), PLBUF_COSIM_SIG((top)->prefix##wlast),      \
		PLBUF_COSIM_SIG((top)->prefix##wvalid), PLBUF_COSIM_SIG((top)->prefix##wready),    \
		PLBUF_COSIM_SIG((top)->prefix##bid), PLBUF_COSIM_SIG((top)->prefix##bresp),        \
		PLBUF_COSIM_SIG((top)->prefix##bvalid), PLBUF_COSIM_SIG((top)->prefix##bready),    \
		PLBUF_COSIM_SIG((top)->prefix##arid), PLBUF_COSIM_SIG((top)->prefix##araddr),      \
		PLBUF_COSIM_SIG((top)->prefix##arlen), PLBUF_COSIM_SIG((top)->prefix##arsize),     \
		PLBUF_COSIM_SIG((top)->prefix##arburst), PLBUF_COSIM_SIG((top)->prefix##arvalid),  \
		PLBUF_COSIM_SIG((top)->prefix##arready), PLBUF_COSIM_SIG((top)->prefix##rid),      \
		PLBUF_COSIM_SIG((top)->prefix##rdata), PLBUF_COSIM_SIG((top)->prefix##rresp),      \
		PLBUF_COSIM_SIG((top)->prefix##rlast), PLBUF_COSIM_SIG((top)->prefix##rvalid),     \
		PLBUF_COSIM_SIG((top)->prefix##rready)})

/* An AXI-Lite slave port of the IP. */
struct AxiLitePort {
	Sig awaddr, awvalid, awready, wdata, wstrb, wvalid, wready, bresp, bvalid, bready;
	Sig araddr, arvalid, arready, rdata, rresp, rvalid, rready;
};
#define PLBUF_COSIM_AXIL(top, prefix)                                                              \
	(::plbuf_cosim::AxiLitePort{                                                               \
		PLBUF_COSIM_SIG((top)->prefix##awaddr), PLBUF_COSIM_SIG((top)->prefix##awvalid),   \
		PLBUF_COSIM_SIG((top)->prefix##awready), PLBUF_COSIM_SIG((top)->prefix##wdata),    \
		PLBUF_COSIM_SIG((top)->prefix##wstrb), PLBUF_COSIM_SIG((top)->prefix##wvalid),     \
		PLBUF_COSIM_SIG((top)->prefix##wready), PLBUF_COSIM_SIG((top)->prefix##bresp),     \
		PLBUF_COSIM_SIG((top)->prefix##bvalid), PLBUF_COSIM_SIG((top)->prefix##bready),    \
		PLBUF_COSIM_SIG((top)->prefix##araddr), PLBUF_COSIM_SIG((top)->prefix##arvalid),   \
		PLBUF_COSIM_SIG((top)->prefix##arready), PLBUF_COSIM_SIG((top)->prefix##rdata),    \
		PLBUF_COSIM_SIG((top)->prefix##rresp), PLBUF_COSIM_SIG((top)->prefix##rvalid),     \
		PLBUF_COSIM_SIG((top)->prefix##rready)})

/* Something clocked by the Loop.  pre_edge() samples the handshakes of the coming rising edge
 * (both sides' VALID and READY as they stand); post_edge() sets what we drive for the next cycle,
 * as a register would just after the edge. */
class Component {
public:
	virtual ~Component() {}
	virtual void pre_edge() = 0;
	virtual void post_edge() = 0;
	virtual bool busy() const { return false; }
};

/* A tiny deterministic generator for back-pressure (xorshift). */
class Stall {
public:
	unsigned percent = 0;
	uint64_t state = 0x9e3779b97f4a7c15ull;
	bool now()
	{
		if (!percent)
			return false;
		state ^= state << 13;
		state ^= state >> 7;
		state ^= state << 17;
		return state % 100 < percent;
	}
};

enum { AXI_FIXED = 0, AXI_INCR = 1, AXI_WRAP = 2 };
enum { AXI_OKAY = 0, AXI_SLVERR = 2, AXI_DECERR = 3 };

/* Serves an AXI4 master port from device memory. */
class AxiMemory : public Component {
public:
	/* data_bytes: the data bus width in bytes (1..64).  max_outstanding: bursts accepted per
	 * direction before AWREADY/ARREADY drop. */
	AxiMemory(plbuf_sim_dev *dev, const Axi4Port &port, unsigned data_bytes,
		  unsigned max_outstanding = 8)
		: dev_(dev), p_(port), db_(data_bytes), max_(max_outstanding)
	{
	}

	Stall stall;                       /* set stall.percent for random back-pressure */
	std::vector<std::string> errors;   /* protocol errors of the IP, in words */
	uint64_t bytes_read = 0, bytes_written = 0, bursts_read = 0, bursts_written = 0;
	uint64_t decode_errors = 0;        /* accesses outside device memory (answered DECERR) */

	void pre_edge() override
	{
		if (p_.arvalid.get() && arready_) {
			Burst b = take(p_.arid, p_.araddr, p_.arlen, p_.arsize, p_.arburst, "read");
			rq_.push_back(b);
			bursts_read++;
		}
		if (rvalid_ && p_.rready.get()) {
			Burst &b = rq_.front();
			rvalid_ = false;
			if (++b.beat > b.len)
				rq_.pop_front();
		}
		if (p_.awvalid.get() && awready_) {
			wq_.push_back(take(p_.awid, p_.awaddr, p_.awlen, p_.awsize, p_.awburst, "write"));
			bursts_written++;
		}
		if (p_.wvalid.get() && wready_)
			write_beat();
		if (bvalid_ && p_.bready.get()) {
			bq_.pop_front();
			bvalid_ = false;
		}
	}

	void post_edge() override
	{
		arready_ = rq_.size() < max_ && !stall.now();
		p_.arready.set(arready_);
		if (!rvalid_ && !rq_.empty() && !stall.now()) {
			read_beat(rq_.front());
			rvalid_ = true;
		}
		p_.rvalid.set(rvalid_);
		awready_ = wq_.size() < max_ && !stall.now();
		p_.awready.set(awready_);
		/* W only for a burst whose address is known (AXI lets a slave wait for AW). */
		wready_ = !wq_.empty() && bq_.size() < max_ && !stall.now();
		p_.wready.set(wready_);
		if (!bvalid_ && !bq_.empty()) {
			bvalid_ = true;
			p_.bid.set(bq_.front().id);
			p_.bresp.set(bq_.front().resp);
		}
		p_.bvalid.set(bvalid_);
	}

	bool busy() const override
	{
		return !rq_.empty() || !wq_.empty() || !bq_.empty() || p_.arvalid.get() ||
		       p_.awvalid.get() || p_.wvalid.get();
	}

private:
	struct Burst {
		uint64_t id, addr;
		unsigned len, size, burst, beat = 0, resp = AXI_OKAY;
	};
	struct Resp {
		uint64_t id;
		unsigned resp;
	};

	plbuf_sim_dev *dev_;
	Axi4Port p_;
	unsigned db_, max_;
	bool arready_ = false, rvalid_ = false, awready_ = false, wready_ = false, bvalid_ = false;
	std::deque<Burst> rq_, wq_;
	std::deque<Resp> bq_;

	void error(const char *fmt, uint64_t a, uint64_t b = 0, uint64_t c = 0)
	{
		char s[256];
		std::snprintf(s, sizeof(s), fmt, (unsigned long long)a, (unsigned long long)b,
			      (unsigned long long)c);
		if (errors.size() < 100)
			errors.push_back(s);
	}

	static unsigned log2u(unsigned v)
	{
		unsigned l = 0;
		while ((1u << l) < v)
			l++;
		return l;
	}

	Burst take(const Sig &id, const Sig &addr, const Sig &len, const Sig &size, const Sig &burst,
		   const char *dir)
	{
		Burst b;
		b.id = id.get();
		b.addr = addr.get();
		b.len = len.bound() ? (unsigned)len.get() : 0;
		b.size = size.bound() ? (unsigned)size.get() : log2u(db_);
		b.burst = burst.bound() ? (unsigned)burst.get() : AXI_INCR;
		uint64_t nb = 1ull << b.size;
		if (nb > db_) {
			error(dir[0] == 'r' ? "%llu-byte read beats on a %llu-byte bus at 0x%llx"
					    : "%llu-byte write beats on a %llu-byte bus at 0x%llx",
			      nb, db_, b.addr);
			b.size = log2u(db_);
			nb = db_;
		}
		if (b.burst == AXI_INCR) {
			uint64_t first = b.addr & ~(nb - 1), last = first + nb * (b.len + 1) - 1;
			if ((b.addr >> 12) != (last >> 12))
				error("burst at 0x%llx of %llu beats crosses a 4 KiB boundary (ends 0x%llx)",
				      b.addr, (uint64_t)b.len + 1, last);
			if (b.len > 255)
				error("INCR burst of %llu beats", (uint64_t)b.len + 1);
		} else if (b.burst == AXI_WRAP) {
			if ((b.len != 1 && b.len != 3 && b.len != 7 && b.len != 15) || (b.addr & (nb - 1)))
				error("WRAP burst at 0x%llx: %llu beats or unaligned", b.addr,
				      (uint64_t)b.len + 1);
		} else if (b.burst != AXI_FIXED) {
			error("reserved burst type 3 at 0x%llx", b.addr);
			b.burst = AXI_INCR;
		}
		return b;
	}

	uint64_t beat_addr(const Burst &b) const
	{
		uint64_t nb = 1ull << b.size, aligned = b.addr & ~(nb - 1);
		if (b.burst == AXI_FIXED)
			return b.addr;
		if (b.burst == AXI_WRAP) {
			uint64_t total = nb * (b.len + 1), lower = b.addr & ~(total - 1);
			return lower + ((b.addr - lower + b.beat * nb) % total);
		}
		return b.beat == 0 ? b.addr : aligned + b.beat * nb;
	}

	/* The byte lanes [lo, hi] a beat at address a occupies. */
	void lanes(const Burst &b, uint64_t a, unsigned *lo, unsigned *hi) const
	{
		uint64_t nb = 1ull << b.size;
		*lo = (unsigned)(a % db_);
		*hi = (unsigned)((a & ~(nb - 1)) % db_ + nb - 1);
	}

	void read_beat(Burst &b)
	{
		uint8_t data[64] = {0};
		uint64_t a = beat_addr(b);
		unsigned lo, hi;
		lanes(b, a, &lo, &hi);
		if (plbuf_sim_read(dev_, a, data + lo, hi - lo + 1) < 0) {
			b.resp = AXI_DECERR;
			decode_errors++;
		} else {
			bytes_read += hi - lo + 1;
		}
		p_.rdata.set_bytes(data, db_);
		p_.rid.set(b.id);
		p_.rresp.set(b.resp);
		p_.rlast.set(b.beat == b.len);
	}

	void write_beat()
	{
		Burst &b = wq_.front();
		uint8_t data[64];
		uint64_t strb = p_.wstrb.bound() ? p_.wstrb.get() : ~0ull;
		uint64_t a = beat_addr(b), bus = a & ~(uint64_t)(db_ - 1);
		unsigned lo, hi;
		lanes(b, a, &lo, &hi);
		if (db_ < 64)
			strb &= (1ull << db_) - 1;
		uint64_t allowed = ((hi == 63 ? ~0ull : (1ull << (hi + 1)) - 1)) & ~((1ull << lo) - 1);
		if (strb & ~allowed)
			error("write strobes 0x%llx outside the lanes of the beat at 0x%llx (allowed 0x%llx)",
			      strb, a, allowed), strb &= allowed;
		if (p_.wlast.bound() && (p_.wlast.get() != 0) != (b.beat == b.len))
			error("WLAST %llu on beat %llu of a %llu-beat burst", p_.wlast.get(), b.beat,
			      (uint64_t)b.len + 1);
		p_.wdata.get_bytes(data, db_);
		for (unsigned i = 0; i < db_;) {
			if (!(strb >> i & 1)) {
				i++;
				continue;
			}
			unsigned j = i;
			while (j < db_ && (strb >> j & 1))
				j++;
			if (plbuf_sim_write(dev_, bus + i, data + i, j - i) < 0) {
				b.resp = AXI_DECERR;
				decode_errors++;
			} else {
				bytes_written += j - i;
			}
			i = j;
		}
		if (++b.beat > b.len) {
			bq_.push_back(Resp{b.id, b.resp});
			wq_.pop_front();
		}
	}
};

/* Drives an AXI-Lite slave port of the IP with a window's register accesses.  The Loop hands it
 * the accesses (Loop::serve_window); 8-byte accesses on a 4-byte bus become two, low word first. */
class AxiLiteRegs : public Component {
public:
	AxiLiteRegs(plbuf_sim_model *m, const AxiLitePort &port, unsigned data_bytes = 4,
		    uint64_t base = 0)
		: m_(m), p_(port), db_(data_bytes), base_(base)
	{
	}
	uint64_t accesses = 0, bus_errors = 0;

	void push(const plbuf_sim_access &a) { q_.push_back(a); }

	void pre_edge() override
	{
		if (st_ == IDLE)
			return;
		if (awv_ && p_.awready.get())
			awv_ = false;
		if (wv_ && p_.wready.get())
			wv_ = false;
		if (bready_ && p_.bvalid.get()) {
			bready_ = false;
			part_done(p_.bresp.get(), 0);
		}
		if (arv_ && p_.arready.get())
			arv_ = false;
		if (rready_ && p_.rvalid.get()) {
			rready_ = false;
			part_done(p_.rresp.get(), p_.rdata.get());
		}
	}

	void post_edge() override
	{
		if (st_ == IDLE && !q_.empty())
			start();
		if (st_ == WRITE && !awv_ && !wv_ && !bready_ && part_ < parts_ && !issued_)
			issue();
		if (st_ == READ && !arv_ && !rready_ && part_ < parts_ && !issued_)
			issue();
		p_.awvalid.set(awv_);
		p_.wvalid.set(wv_);
		p_.bready.set(bready_);
		p_.arvalid.set(arv_);
		p_.rready.set(rready_);
	}

	bool busy() const override { return st_ != IDLE || !q_.empty(); }

private:
	enum { IDLE, WRITE, READ };
	plbuf_sim_model *m_;
	AxiLitePort p_;
	unsigned db_;
	uint64_t base_;
	std::deque<plbuf_sim_access> q_;
	plbuf_sim_access cur_{};
	int st_ = IDLE;
	unsigned parts_ = 0, part_ = 0;
	bool issued_ = false, awv_ = false, wv_ = false, bready_ = false, arv_ = false, rready_ = false;
	uint64_t result_ = 0;
	unsigned resp_ = 0;

	void start()
	{
		cur_ = q_.front();
		q_.pop_front();
		st_ = cur_.write ? WRITE : READ;
		parts_ = (unsigned)cur_.width > db_ ? (unsigned)cur_.width / db_ : 1;
		part_ = 0;
		result_ = 0;
		resp_ = 0;
		issued_ = false;
	}

	void issue()
	{
		unsigned w = (unsigned)cur_.width > db_ ? db_ : (unsigned)cur_.width;
		uint64_t off = cur_.offset + (uint64_t)part_ * w, addr = base_ + (off & ~(uint64_t)(db_ - 1));
		unsigned lane = (unsigned)(off % db_);
		issued_ = true;
		if (st_ == WRITE) {
			uint64_t v = parts_ > 1 ? cur_.value >> (32 * part_) : cur_.value;
			uint8_t data[64] = {0};
			for (unsigned i = 0; i < w; i++)
				data[lane + i] = (uint8_t)(v >> (8 * i));
			p_.awaddr.set(addr);
			p_.wdata.set_bytes(data, db_);
			p_.wstrb.set(((1ull << w) - 1) << lane);
			awv_ = wv_ = bready_ = true;
		} else {
			p_.araddr.set(addr);
			arv_ = rready_ = true;
		}
	}

	void part_done(uint64_t resp, uint64_t data)
	{
		unsigned w = (unsigned)cur_.width > db_ ? db_ : (unsigned)cur_.width;
		unsigned lane = (unsigned)((cur_.offset + (uint64_t)part_ * w) % db_);
		if (st_ == WRITE && (awv_ || wv_)) { /* B before both handshakes: not AXI */
			resp = AXI_SLVERR;
		}
		if (resp)
			resp_ = (unsigned)resp;
		if (st_ == READ) {
			uint64_t v = (data >> (8 * lane)) & (w == 8 ? ~0ull : (1ull << (8 * w)) - 1);
			result_ |= v << (32 * part_ * (parts_ > 1));
		}
		issued_ = false;
		if (++part_ < parts_)
			return;
		accesses++;
		if (resp_)
			bus_errors++;
		plbuf_sim_model_reply(m_, &cur_, result_, resp_ ? -EIO : 0);
		st_ = IDLE;
	}
};

/* Raises a sim interrupt line on each rising edge of an interrupt output. */
class IrqLine : public Component {
public:
	IrqLine(plbuf_sim_model *m, int line, const Sig &wire) : m_(m), line_(line), w_(wire) {}
	uint64_t raised = 0;
	void pre_edge() override {}
	void post_edge() override
	{
		bool v = w_.get() != 0;
		if (v && !prev_) {
			plbuf_sim_model_irq(m_, line_);
			raised++;
		}
		prev_ = v;
	}

private:
	plbuf_sim_model *m_;
	int line_;
	Sig w_;
	bool prev_ = false;
};

/* The clock.  set_clock(v) sets the clock input to v and evaluates the model (top->clk = v;
 * top->eval();). */
class Loop {
public:
	explicit Loop(std::function<void(int)> set_clock) : clock_(set_clock) {}

	uint64_t cycles = 0;

	void add(Component *c) { parts_.push_back(c); }
	/* Register accesses of window index `window` of model m go to regs. */
	void serve_window(plbuf_sim_model *m, int window, AxiLiteRegs *regs)
	{
		model_ = m;
		if (window >= 0 && window < 16)
			windows_[window] = regs;
	}

	void tick()
	{
		for (Component *c : parts_)
			c->pre_edge();
		clock_(1);
		for (Component *c : parts_)
			c->post_edge();
		clock_(0);
		cycles++;
	}

	bool busy() const
	{
		for (const Component *c : parts_)
			if (c->busy())
				return true;
		return false;
	}

	/* Takes the register accesses waiting (waiting at most timeout_ms for the first). */
	int poll(int timeout_ms)
	{
		plbuf_sim_access a;
		int n = 0, r;
		if (!model_)
			return 0;
		while ((r = plbuf_sim_model_next(model_, &a, n ? 0 : timeout_ms)) == 1) {
			n++;
			if (a.window >= 0 && a.window < 16 && windows_[a.window])
				windows_[a.window]->push(a);
			else
				plbuf_sim_model_reply(model_, &a, 0, -ENODEV);
		}
		return n;
	}

	/* Runs until *stop: ticks while the bus is busy or was within idle_cycles, otherwise waits
	 * for a register access (up to sleep_ms, then checks *stop).  idle_cycles 0: never sleep
	 * (for an IP that works for long stretches without touching a bus). */
	void run(const volatile bool *stop, uint64_t idle_cycles = 2000, int sleep_ms = 20)
	{
		uint64_t quiet = 0;
		while (!*stop) {
			if ((cycles & 63) == 0 || quiet >= idle_cycles)
				poll(0);
			if (idle_cycles && quiet >= idle_cycles && !busy()) {
				if (poll(sleep_ms) == 0)
					continue;
				quiet = 0;
			}
			tick();
			quiet = busy() ? 0 : quiet + 1;
		}
	}

private:
	std::function<void(int)> clock_;
	std::vector<Component *> parts_;
	plbuf_sim_model *model_ = nullptr;
	AxiLiteRegs *windows_[16] = {};
};

} /* namespace plbuf_cosim */
#endif

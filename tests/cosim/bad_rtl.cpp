/*
 * bad_rtl.cpp - the bridge's own test (tests/suites/cosim.sh "bridge-rules"): bad_master.v breaks
 * the AXI rules on purpose, and AxiMemory must name each violation (a burst across 4 KiB, an
 * early WLAST, strobes outside a narrow beat's lanes) and answer DECERR where there is no memory.
 * Exit status 0 when every expected report came and the bytes a legal strobe wrote arrived.
 */
#include <cstdio>
#include <cstring>
#include <string>

#include "Vbad_master.h"
#include "verilated.h"

#include "plbuf_cosim.hpp"

int main()
{
	plbuf_ctx *ctx = plbuf_open("sim", "banks=LOW@0x40000000:1M");
	plbuf_sim_dev *dev = ctx ? plbuf_sim_attach(plbuf_sim_name(ctx)) : nullptr;
	if (!dev) {
		std::fprintf(stderr, "bad_rtl: %s\n", plbuf_errmsg());
		return 1;
	}
	VerilatedContext vc;
	Vbad_master top(&vc);
	plbuf_cosim::AxiMemory mem(dev, PLBUF_COSIM_AXI4(&top, m_axi_), 8);
	plbuf_cosim::Loop loop([&](int v) {
		top.clk = v;
		top.eval();
	});
	loop.add(&mem);
	top.base = 0x40000000;
	top.rst = 1;
	for (int i = 0; i < 4; i++)
		loop.tick();
	top.rst = 0;
	for (int i = 0; i < 10000 && !top.done; i++)
		loop.tick();

	const char *want[] = {"crosses a 4 KiB boundary", "WLAST 1 on beat 0", "outside the lanes"};
	int bad = !top.done;
	for (const char *w : want) {
		bool found = false;
		for (const std::string &e : mem.errors)
			found |= e.find(w) != std::string::npos;
		std::printf("  %s: %s\n", w, found ? "reported" : "NOT reported");
		bad |= !found;
	}
	for (const std::string &e : mem.errors)
		std::printf("  bridge: %s\n", e.c_str());
	std::printf("  DECERR outside memory: %s (%llu decode errors)\n", top.saw_decerr ? "seen" : "NOT seen",
		    (unsigned long long)mem.decode_errors);
	bad |= !top.saw_decerr;
	/* The narrow write's legal lanes (4..7) did land: 0x11223344 at 0x40000204. */
	uint32_t v = 0;
	plbuf_sim_read(dev, 0x40000204, &v, 4);
	std::printf("  narrow write's own lanes: 0x%08x\n", v);
	bad |= v != 0x11223344;
	top.final();
	plbuf_sim_detach(dev);
	plbuf_close(ctx);
	std::printf("bad_rtl: %s\n", bad ? "FAIL" : "ok");
	return bad;
}

/*
 * cdma_rtl.cpp - the RTL side of the cosim test: verilog-axi's axi_cdma behind plbuf's register
 * block (cdma_regs.v), Verilated, connected to a sim context with cosim/plbuf_cosim.hpp.
 *
 *   cdma_rtl NAME [--stall PCT]           serves sim context NAME from this process until the
 *                                         context's memory file goes away (or SIGTERM)
 *   cdma_rtl --driver [--stall PCT] ARGS  runs the RTL in a thread and the C driver
 *                                         (cdma_driver.c) in this process, with ARGS
 *
 * Exit status 1 when the engine broke the AXI protocol (a burst across 4 KiB, a bad strobe) or the
 * driver failed.
 */
#include <atomic>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <unistd.h>

#include "Vcdma_regs.h"
#include "verilated.h"

#include "plbuf_cosim.hpp"

extern "C" int cdma_driver_main(int argc, char **argv);

static volatile bool stop_flag;

/* The sim's DMA-API checker reports the device side's problems here.  A forgotten flush is reported once per beat the engine read: show the first few, count all. */
static std::atomic<unsigned long> check_reports;
static void on_report(const plbuf_sim_report *r, void *)
{
	if (check_reports++ < 3)
		std::fprintf(stderr, "cdma_rtl: %s\n", r->message);
}

static void on_signal(int) { stop_flag = true; }

struct Report {
	int protocol_errors = 0;
	int ok = 0;
};

/* Serves sim context `name` until *stop or its memory file disappears. */
static void serve(const char *name, unsigned stall, volatile bool *stop, Report *rep)
{
	std::string shm = std::string("/dev/shm/") + name;
	plbuf_sim_dev *dev = nullptr;

	for (int i = 0; i < 1200 && !*stop && !(dev = plbuf_sim_attach(name)); i++)
		usleep(50000);
	if (!dev) {
		std::fprintf(stderr, "cdma_rtl: cannot attach to %s: %s\n", name, plbuf_errmsg());
		return;
	}
	plbuf_sim_model *model = plbuf_sim_model_open(name);
	int win = model ? plbuf_sim_model_window(model, "cdma", 0x100, nullptr, nullptr) : -1;
	if (win < 0) {
		std::fprintf(stderr, "cdma_rtl: cannot serve %s: %s\n", name, plbuf_errmsg());
		plbuf_sim_detach(dev);
		return;
	}

	VerilatedContext vc;
	Vcdma_regs top(&vc);
	plbuf_cosim::AxiMemory mem(dev, PLBUF_COSIM_AXI4(&top, m_axi_), sizeof(top.m_axi_wdata) > 4 ? 8 : 4);
	plbuf_cosim::AxiLiteRegs regs(model, PLBUF_COSIM_AXIL(&top, s_axil_));
	plbuf_cosim::IrqLine irq(model, 0, PLBUF_COSIM_SIG(top.irq));
	plbuf_cosim::Loop loop([&](int v) {
		top.clk = v;
		top.eval();
	});
	mem.stall.percent = stall;
	loop.add(&mem);
	loop.add(&regs);
	loop.add(&irq);
	loop.serve_window(model, win, &regs);

	top.rst = 1;
	for (int i = 0; i < 8; i++)
		loop.tick();
	top.rst = 0;
	/* Stop with the driver's context: its memory file is removed when it closes. */
	volatile bool gone = false;
	std::thread watch([&] {
		while (!*stop && !gone) {
			if (access(shm.c_str(), F_OK) != 0)
				gone = true;
			usleep(20000);
		}
	});
	volatile bool both = false;
	std::thread join([&] {
		while (!*stop && !gone)
			usleep(5000);
		both = true;
	});
	loop.run(&both);
	watch.join();
	join.join();

	std::fprintf(stderr, "cdma_rtl: %llu cycles, %llu read bursts (%llu bytes), %llu write bursts "
		     "(%llu bytes), %llu register accesses, %llu interrupts, %llu decode errors\n",
		     (unsigned long long)loop.cycles, (unsigned long long)mem.bursts_read,
		     (unsigned long long)mem.bytes_read, (unsigned long long)mem.bursts_written,
		     (unsigned long long)mem.bytes_written, (unsigned long long)regs.accesses,
		     (unsigned long long)irq.raised, (unsigned long long)mem.decode_errors);
	if (check_reports)
		std::fprintf(stderr, "cdma_rtl: the DMA-API checker reported %lu problem(s) on the "
			     "device side\n", check_reports.load());
	for (const std::string &e : mem.errors)
		std::fprintf(stderr, "cdma_rtl: AXI protocol error: %s\n", e.c_str());
	rep->protocol_errors = (int)mem.errors.size();
	rep->ok = 1;
	top.final();
	plbuf_sim_model_close(model);
	plbuf_sim_detach(dev);
}

int main(int argc, char **argv)
{
	unsigned stall = 0;
	bool driver = false;
	const char *name = nullptr;
	std::vector<char *> dargs{argv[0]};

	for (int i = 1; i < argc; i++) {
		if (!std::strcmp(argv[i], "--stall") && i + 1 < argc)
			stall = (unsigned)std::atoi(argv[++i]);
		else if (!std::strcmp(argv[i], "--driver"))
			driver = true;
		else if (driver) {
			if (!std::strcmp(argv[i], "--sim") && i + 1 < argc)
				name = argv[i + 1];
			dargs.push_back(argv[i]);
		} else
			name = argv[i];
	}
	if (!name) {
		std::fprintf(stderr, "usage: cdma_rtl NAME [--stall PCT] | cdma_rtl --driver "
			     "[--stall PCT] --sim NAME [driver options]\n");
		return 2;
	}
	plbuf_sim_set_check_callback(on_report, nullptr);
	std::signal(SIGTERM, on_signal);
	std::signal(SIGINT, on_signal);
	Report rep;
	if (!driver) {
		serve(name, stall, &stop_flag, &rep);
		return rep.ok && !rep.protocol_errors ? 0 : 1;
	}
	/* The RTL in a thread of the driver's process. */
	std::thread rtl([&] { serve(name, stall, &stop_flag, &rep); });
	int r = cdma_driver_main((int)dargs.size(), dargs.data());
	stop_flag = true;
	rtl.join();
	return r == 0 && rep.ok && !rep.protocol_errors ? 0 : 1;
}

/*
 * sim_format.h - the layout of a sim backend's memory file, shared by the CPU side
 * (src/backends/sim.c) and the device side (src/sim_device.c).  The file lives in /dev/shm; a
 * device model in another process maps it by name.
 *
 *   page 0:  struct plbuf_sim_hdr (the bank table)
 *   then:    each bank's device memory, page-aligned, at hdr.banks[i].file_off
 */
#ifndef PLBUF_SIM_FORMAT_H
#define PLBUF_SIM_FORMAT_H

#include <stdint.h>

#define PLBUF_SIM_MAGIC "PLBUFSIM"
#define PLBUF_SIM_VERSION 1
#define PLBUF_SIM_MAX_BANKS 16
#define PLBUF_SIM_HDR_SIZE 4096

struct plbuf_sim_hdr {
	char magic[8];
	uint32_t version;
	uint32_t nbanks;
	uint64_t line_size;
	uint64_t file_size;
	struct {
		char name[32];
		uint64_t base;     /* device address of the bank's first byte */
		uint64_t size;
		uint64_t file_off; /* where the bank's bytes are in the file */
		uint32_t coherent;
		uint32_t pad;
	} banks[PLBUF_SIM_MAX_BANKS];
};

_Static_assert(sizeof(struct plbuf_sim_hdr) <= PLBUF_SIM_HDR_SIZE, "sim header fits a page");

#endif

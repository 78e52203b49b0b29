/*
 * registry.c - the backends compiled in: one row each.  Adding a backend is adding a row here and a
 * file in src/backends/.  The automatic choice orders them by their rank, not by this list.
 */
#include <stddef.h>

#include "context.h"

extern const struct plbuf_backend plbuf__backend_sim;
extern const struct plbuf_backend plbuf__backend_udmabuf;
extern const struct plbuf_backend plbuf__backend_xlnk;
extern const struct plbuf_backend plbuf__backend_zocl;
#ifdef PLBUF_HAVE_XRT
extern const struct plbuf_backend plbuf__backend_xrt;
#endif
extern const struct plbuf_backend plbuf__backend_hugepage;
extern const struct plbuf_backend plbuf__backend_reserved;
extern const struct plbuf_backend plbuf__backend_vfio;

const struct plbuf_backend *const plbuf__backends[] = {
	&plbuf__backend_sim,
	&plbuf__backend_udmabuf,
	&plbuf__backend_xlnk,
	&plbuf__backend_zocl,
#ifdef PLBUF_HAVE_XRT
	&plbuf__backend_xrt,
#endif
	&plbuf__backend_hugepage,
	&plbuf__backend_reserved,
	&plbuf__backend_vfio,
	NULL,
};

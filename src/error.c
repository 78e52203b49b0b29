/* Error reporting: negative errno returns plus a per-thread sentence saying what failed. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

/* Per thread, so that concurrent callers never read each other's message.  1 KiB: a message that
 * says what failed and every way out (u-dma-buf's) runs past 512 bytes. */
static _Thread_local char last_msg[1024];

const char *plbuf_errmsg(void)
{
	return last_msg;
}

int plbuf__err(int err, const char *fmt, ...)
{
	va_list ap;

	if (err < 0)
		err = -err;
	va_start(ap, fmt);
	vsnprintf(last_msg, sizeof(last_msg), fmt, ap);
	va_end(ap);
	errno = err;
	return -err;
}

void *plbuf__errp(int err, const char *fmt, ...)
{
	va_list ap;

	if (err < 0)
		err = -err;
	va_start(ap, fmt);
	vsnprintf(last_msg, sizeof(last_msg), fmt, ap);
	va_end(ap);
	errno = err;
	return NULL;
}

const char *plbuf_strerror(int err)
{
	if (err < 0)
		err = -err;
	return strerror(err);
}

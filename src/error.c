/* Error reporting: negative errno returns plus a per-thread sentence saying what failed. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

/* Per thread, so that concurrent callers never read each other's message.  1 KiB: a message that
 * says what failed and every way out (u-dma-buf's) runs past 512 bytes. */
static _Thread_local char last_msg[1024];
/* A message was set since the last plbuf__err_clear(): the pool asks whether a backend already
 * said why an allocation failed, by this flag and never by the message's text. */
static _Thread_local int said;

const char *plbuf_errmsg(void)
{
	return last_msg;
}

static int set_msg(int err, const char *fmt, va_list ap)
{
	if (err < 0)
		err = -err;
	vsnprintf(last_msg, sizeof(last_msg), fmt, ap);
	said = 1;
	errno = err;
	return -err;
}

int plbuf__err(int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	err = set_msg(err, fmt, ap);
	va_end(ap);
	return err;
}

void *plbuf__errp(int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	set_msg(err, fmt, ap);
	va_end(ap);
	return NULL;
}

void plbuf__err_clear(void)
{
	last_msg[0] = 0;
	said = 0;
}

int plbuf__err_said(void)
{
	return said;
}

const char *plbuf_strerror(int err)
{
	if (err < 0)
		err = -err;
	return strerror(err);
}

/* Option strings: the core's side of plbuf__kv_* (backends see only backend.h). */
#ifndef PLBUF_OPTIONS_H
#define PLBUF_OPTIONS_H

#include "backend.h"
#include "internal.h"

#define PLBUF_KV_MAX 64

struct plbuf_kv {
	int n;
	struct {
		char *key, *val;
		int used;
	} e[PLBUF_KV_MAX];
};

/* Appends the pairs of s; returns 0 or -EINVAL with a message. */
int plbuf__kv_parse(struct plbuf_kv *kv, const char *s);
void plbuf__kv_free(struct plbuf_kv *kv);
/* A key of e[nfirst..] (PLBUF_OPTIONS) that e[0..nfirst) (the program's) gives another value:
 * -EINVAL with a message naming both; else 0. */
int plbuf__kv_conflict(const struct plbuf_kv *kv, int nfirst);
/* The first key no one asked for, or NULL. */
const char *plbuf__kv_unused(const struct plbuf_kv *kv);

#endif

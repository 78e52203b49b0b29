/* Helpers for plbuf's test programs: each program tests one behaviour and exits 0 (pass),
 * 1 (fail) or 77 (skip, after printing why). */
#ifndef PLBUF_TEST_H
#define PLBUF_TEST_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plbuf.h"

#define T_EXIT_PASS 0
#define T_EXIT_FAIL 1
#define T_EXIT_SKIP 77

#define CHECK(cond)                                                                    \
	do {                                                                           \
		if (!(cond)) {                                                         \
			fprintf(stderr, "%s:%d: CHECK(%s) failed; errmsg: %s\n", __FILE__,     \
				__LINE__, #cond, plbuf_errmsg());                              \
			exit(T_EXIT_FAIL);                                             \
		}                                                                      \
	} while (0)

/* Expects a negative errno ret == -err and a non-empty message. */
#define CHECK_ERR(ret, err)                                                            \
	do {                                                                           \
		long r_ = (long)(ret);                                                 \
		if (r_ != -(long)(err) || !plbuf_errmsg()[0]) {                        \
			fprintf(stderr, "%s:%d: %s returned %ld, expected -%s; errmsg: %s\n",  \
				__FILE__, __LINE__, #ret, r_, #err, plbuf_errmsg());           \
			exit(T_EXIT_FAIL);                                             \
		}                                                                      \
	} while (0)

/* Expects a NULL return with errno == err and a non-empty message. */
#define CHECK_NULL_ERR(ptr, err)                                                       \
	do {                                                                           \
		errno = 0;                                                             \
		const void *p_ = (ptr);                                                \
		if (p_ != NULL || errno != (err) || !plbuf_errmsg()[0]) {              \
			fprintf(stderr, "%s:%d: %s gave %p errno %d, expected NULL/%s; errmsg: %s\n", \
				__FILE__, __LINE__, #ptr, p_, errno, #err, plbuf_errmsg());    \
			exit(T_EXIT_FAIL);                                             \
		}                                                                      \
	} while (0)

#define SKIP(...)                                                                      \
	do {                                                                           \
		printf("SKIP: ");                                                      \
		printf(__VA_ARGS__);                                                   \
		printf("\n");                                                          \
		exit(T_EXIT_SKIP);                                                     \
	} while (0)

#endif

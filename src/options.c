/*
 * options.c - "key=value key=value" option strings (plbuf_open's options and PLBUF_OPTIONS) and
 * the size syntax used in them ("4096", "0x1000", "16M", "2G").
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "options.h"

int plbuf__kv_parse(struct plbuf_kv *kv, const char *s)
{
	const char *p = s;

	while (p && *p) {
		while (isspace((unsigned char)*p))
			p++;
		if (!*p)
			break;
		const char *start = p, *eq = NULL;

		while (*p && !isspace((unsigned char)*p)) {
			if (*p == '=' && !eq)
				eq = p;
			p++;
		}
		if (!eq || eq == start)
			return plbuf__err(EINVAL, "option \"%.*s\" is not of the form key=value",
					  (int)(p - start), start);
		if (kv->n >= PLBUF_KV_MAX)
			return plbuf__err(EINVAL, "more than %d options", PLBUF_KV_MAX);
		size_t kl = (size_t)(eq - start), vl = (size_t)(p - eq - 1);
		char *k = malloc(kl + 1), *v = malloc(vl + 1);

		if (!k || !v) {
			free(k);
			free(v);
			return plbuf__err(ENOMEM, "out of process memory");
		}
		memcpy(k, start, kl);
		k[kl] = 0;
		memcpy(v, eq + 1, vl);
		v[vl] = 0;
		kv->e[kv->n].key = k;
		kv->e[kv->n].val = v;
		kv->e[kv->n].used = 0;
		kv->n++;
	}
	return 0;
}

void plbuf__kv_free(struct plbuf_kv *kv)
{
	for (int i = 0; i < kv->n; i++) {
		free(kv->e[i].key);
		free(kv->e[i].val);
	}
	kv->n = 0;
}

/* The last occurrence wins (within one string; between the program's and PLBUF_OPTIONS, a
 * contradiction is refused: plbuf__kv_conflict). */
const char *plbuf__kv_get(struct plbuf_kv *kv, const char *key)
{
	const char *v = NULL;

	for (int i = 0; i < kv->n; i++)
		if (strcmp(kv->e[i].key, key) == 0) {
			kv->e[i].used = 1;
			v = kv->e[i].val;
		}
	return v;
}

int plbuf__kv_u64(struct plbuf_kv *kv, const char *key, uint64_t dflt, uint64_t *out)
{
	const char *v = plbuf__kv_get(kv, key);

	if (!v) {
		*out = dflt;
		return 0;
	}
	if (plbuf__parse_size(v, out) < 0)
		return plbuf__err(EINVAL, "option %s=%s: expected a number such as 4096, 0x1000 or 16M",
				  key, v);
	return 0;
}

int plbuf__kv_conflict(const struct plbuf_kv *kv, int nfirst)
{
	for (int i = nfirst; i < kv->n; i++)
		for (int j = 0; j < nfirst; j++)
			if (strcmp(kv->e[i].key, kv->e[j].key) == 0 &&
			    strcmp(kv->e[i].val, kv->e[j].val) != 0)
				return plbuf__err(EINVAL, "option %s is given twice: %s=%s by the program "
						  "(plbuf_open) and %s=%s by PLBUF_OPTIONS; PLBUF_OPTIONS "
						  "may add options or repeat one, not contradict one: "
						  "unset it or make them agree", kv->e[i].key,
						  kv->e[j].key, kv->e[j].val, kv->e[i].key,
						  kv->e[i].val);
	return 0;
}

int plbuf__kv_sync(struct plbuf_kv *kv, const char *who, int *by_va)
{
	const char *v = plbuf__kv_get(kv, "sync");
	int cpu_can = plbuf__arch_clean(NULL, 0) != -EOPNOTSUPP;

	if (v && strcmp(v, "auto") && strcmp(v, "driver") && strcmp(v, "cpu"))
		return plbuf__err(EINVAL, "%s: sync=%s is not auto, driver or cpu", who, v);
	if (v && !strcmp(v, "cpu") && !cpu_can)
		return plbuf__err(EOPNOTSUPP, "%s: sync=cpu: %s user space cannot clean or "
				  "invalidate caches to memory; use sync=auto", who, plbuf__arch_name());
	*by_va = v && !strcmp(v, "driver") ? 0 : cpu_can;
	return 0;
}

const char *plbuf__kv_unused(const struct plbuf_kv *kv)
{
	for (int i = 0; i < kv->n; i++)
		if (!kv->e[i].used)
			return kv->e[i].key;
	return NULL;
}

/* Decimal, or hexadecimal after 0x: never octal, so "010000" is ten thousand as a user means it. */
int plbuf__parse_size(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;
	int shift = 0, base = 10;

	if (!s || !*s || *s == '-' || *s == '+' || isspace((unsigned char)*s))
		return -EINVAL;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		if (!isxdigit((unsigned char)s[2]))
			return -EINVAL;
	}
	errno = 0;
	v = strtoull(s, &end, base);
	if (errno || end == s)
		return -EINVAL;
	switch (*end) {
	case 'k': case 'K': shift = 10; end++; break;
	case 'm': case 'M': shift = 20; end++; break;
	case 'g': case 'G': shift = 30; end++; break;
	case 't': case 'T': shift = 40; end++; break;
	default: break;
	}
	if (shift && (*end == 'i' || *end == 'I'))
		end++;
	if (shift && (*end == 'b' || *end == 'B'))
		end++;
	if (*end)
		return -EINVAL;
	if (shift && v > (UINT64_MAX >> shift))
		return -EINVAL;
	*out = (uint64_t)v << shift;
	return 0;
}

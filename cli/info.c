/* plbuf info [--json]: which backends this machine can use, which one plbuf picks and why, and
 * what memory it has. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* Length of the valid UTF-8 sequence at s (RFC 3629: no overlongs, no surrogates, at most
 * U+10FFFF), or 0 when s does not start one. */
static int utf8_len(const unsigned char *s)
{
	int n;
	unsigned min, c;

	if (s[0] < 0x80)
		return 1;
	if ((s[0] & 0xe0) == 0xc0)
		n = 2, min = 0x80, c = s[0] & 0x1f;
	else if ((s[0] & 0xf0) == 0xe0)
		n = 3, min = 0x800, c = s[0] & 0x0f;
	else if ((s[0] & 0xf8) == 0xf0)
		n = 4, min = 0x10000, c = s[0] & 0x07;
	else
		return 0;
	for (int i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	return n;
}

/* A JSON string, always valid: a bank name or PLBUF_BACKEND may hold any bytes.  A byte that is not
 * part of valid UTF-8 is written as \u00XX (the code point of that byte's value), so the output
 * parses and the byte can still be read off. */
static void json_str(const char *str)
{
	const unsigned char *s = (const unsigned char *)str;

	putchar('"');
	while (*s) {
		int n = utf8_len(s);

		if (*s == '"' || *s == '\\') {
			printf("\\%c", *s);
		} else if (*s < 0x20 || *s == 0x7f || n == 0) {
			printf("\\u%04x", *s);
			n = 1;
		} else {
			fwrite(s, 1, (size_t)n, stdout);
		}
		s += n ? n : 1;
	}
	putchar('"');
}

static void sort_by_rank(struct plbuf_probe_info *p, int n)
{
	for (int i = 1; i < n; i++)
		for (int j = i; j > 0 && p[j].rank < p[j - 1].rank; j--) {
			struct plbuf_probe_info t = p[j];

			p[j] = p[j - 1];
			p[j - 1] = t;
		}
}

int cmd_info(int argc, char **argv)
{
	int json = argc > 1 && strcmp(argv[1], "--json") == 0;
	int n = plbuf_probe(-1, NULL);
	struct plbuf_probe_info *p = calloc((size_t)n, sizeof(*p));
	const char *forced = getenv("PLBUF_BACKEND");
	plbuf_ctx *ctx;
	char sz[4][32];

	if (!p)
		return 1;
	for (int i = 0; i < n; i++)
		plbuf_probe(i, &p[i]);
	sort_by_rank(p, n);
	ctx = plbuf_open(NULL, NULL);

	if (json) {
		printf("{\"backends\":[");
		for (int i = 0; i < n; i++) {
			printf("%s{\"name\":", i ? "," : "");
			json_str(p[i].name);
			printf(",\"rank\":%d,\"usable\":%s,\"why\":", p[i].rank,
			       p[i].usable ? "true" : "false");
			json_str(p[i].why);
			printf("}");
		}
		printf("],\"forced\":");
		if (forced && *forced)
			json_str(forced);
		else
			printf("null");
		if (!ctx) {
			printf(",\"chosen\":null,\"error\":");
			json_str(plbuf_errmsg());
			printf("}\n");
			free(p);
			return 1;
		}
		printf(",\"chosen\":");
		json_str(plbuf_ctx_backend(ctx));
		printf(",\"reason\":");
		json_str(forced && *forced ? "PLBUF_BACKEND" : plbuf_ctx_reason(ctx));
		printf(",\"line_size\":%zu,\"banks\":[", plbuf_ctx_line_size(ctx));
		for (int i = 0; i < plbuf_ctx_nbanks(ctx); i++) {
			struct plbuf_bank_info b;

			plbuf_ctx_bank(ctx, i, &b);
			printf("%s{\"name\":", i ? "," : "");
			json_str(b.name);
			printf(",\"base\":%llu,\"size\":%llu,\"free\":%llu,\"largest\":%llu,"
			       "\"coherent\":%s}", (unsigned long long)b.base,
			       (unsigned long long)b.size, (unsigned long long)b.free,
			       (unsigned long long)b.largest, b.coherent ? "true" : "false");
		}
		printf("]}\n");
	} else {
		printf("plbuf %s\n\nBackends, in the order of the automatic choice:\n", plbuf_version());
		for (int i = 0; i < n; i++)
			printf("  %-9s %-10s %s\n            %s\n", p[i].name,
			       p[i].usable ? "usable" : "not usable", p[i].summary, p[i].why);
		if (!ctx) {
			printf("\nNo backend could be opened: %s\n", plbuf_errmsg());
			free(p);
			return 1;
		}
		printf("\nChosen: %s (%s)\n", plbuf_ctx_backend(ctx),
		       forced && *forced ? "forced by PLBUF_BACKEND" : plbuf_ctx_reason(ctx));
		printf("\nBanks:\n  %-12s %-18s %-10s %-10s %-10s %s\n", "name", "base", "size", "free",
		       "largest", "coherent");
		for (int i = 0; i < plbuf_ctx_nbanks(ctx); i++) {
			struct plbuf_bank_info b;

			plbuf_ctx_bank(ctx, i, &b);
			printf("  %-12s 0x%016llx %-10s %-10s %-10s %s\n", b.name,
			       (unsigned long long)b.base, cli_size(b.size, sz[0], 32),
			       cli_size(b.free, sz[1], 32), cli_size(b.largest, sz[2], 32),
			       b.coherent ? "yes" : "no");
		}
		char extra[2048];

		if (plbuf_ctx_describe(ctx, extra, sizeof(extra)) > 0)
			printf("\n%s", extra);
	}
	plbuf_close(ctx);
	free(p);
	return 0;
}

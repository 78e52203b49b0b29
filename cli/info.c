/* plbuf info [--json]: which backends this machine can use, which one plbuf picks and why, and
 * what memory it has. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static void json_str(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			printf("\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			printf("\\u%04x", *s);
		else
			putchar(*s);
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
			printf("%s{\"name\":\"%s\",\"rank\":%d,\"usable\":%s,\"why\":", i ? "," : "",
			       p[i].name, p[i].rank, p[i].usable ? "true" : "false");
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
		printf(",\"chosen\":\"%s\",\"reason\":", plbuf_ctx_backend(ctx));
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

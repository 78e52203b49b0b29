/* plbuf - command-line front end: info, dtype, demo, bench. */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const struct {
	const char *name;
	int (*fn)(int, char **);
	const char *help;
} cmds[] = {
	{"info", cmd_info, "[--json]       backends found, the one chosen and why, banks and free memory"},
	{"dtype", cmd_dtype, "STR           how numpy (and plbuf) read a dtype string, as JSON"},
	{"demo", cmd_demo, "[--coherent]   buffers handed to a simulated IP by device address"},
	{"bench", cmd_bench, "[--quick]     allocation and sync latency beside glibc malloc"},
};

const char *cli_size(uint64_t n, char *buf, size_t len)
{
	static const char *unit[] = {"B", "KiB", "MiB", "GiB", "TiB"};
	int u = 0;

	while (n >= 1024 && n % 1024 == 0 && u < 4) {
		n /= 1024;
		u++;
	}
	snprintf(buf, len, "%llu %s", (unsigned long long)n, unit[u]);
	return buf;
}

static int usage(FILE *out)
{
	fprintf(out, "usage: plbuf COMMAND [ARGS]\n\n");
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		fprintf(out, "  plbuf %s %s\n", cmds[i].name, cmds[i].help);
	fprintf(out, "\nEnvironment: PLBUF_BACKEND (force a backend), PLBUF_OPTIONS (its options).\n");
	return out == stderr ? 2 : 0;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return usage(stderr);
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help"))
		return usage(stdout);
	if (!strcmp(argv[1], "--version")) {
		printf("plbuf %s\n", plbuf_version());
		return 0;
	}
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (!strcmp(argv[1], cmds[i].name))
			return cmds[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "plbuf: unknown command \"%s\"\n", argv[1]);
	return usage(stderr);
}

/* plbuf - command-line front end: info, dtype, demo, bench. */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const char *const info_flags[] = {"--json", NULL};
static const char *const demo_flags[] = {"--coherent", NULL};
static const char *const bench_flags[] = {"--quick", NULL};

/* Each command's flags, checked here once for all: an unknown flag is a usage error (exit 2), never
 * ignored (`plbuf bench --bogus` used to run the whole benchmark).  dtype takes one argument as
 * it is, since a string numpy rejects ("-i4") is its to judge. */
static const struct {
	const char *name;
	int (*fn)(int, char **);
	const char *help;
	const char *const *flags; /* NULL: arguments are not flags */
} cmds[] = {
	{"info", cmd_info, "[--json]       backends found, the one chosen and why, banks and free memory",
	 info_flags},
	{"dtype", cmd_dtype, "STR           how numpy (and plbuf) read a dtype string, as JSON", NULL},
	{"demo", cmd_demo, "[--coherent]   buffers handed to a simulated IP by device address",
	 demo_flags},
	{"bench", cmd_bench, "[--quick]     allocation and sync latency beside glibc malloc",
	 bench_flags},
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
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		if (strcmp(argv[1], cmds[i].name) != 0)
			continue;
		for (int a = 2; cmds[i].flags && a < argc; a++) {
			int known = 0;

			for (int f = 0; cmds[i].flags[f]; f++)
				known |= !strcmp(argv[a], cmds[i].flags[f]) && a == 2;
			if (!known) {
				fprintf(stderr, "plbuf %s: %s \"%s\"\nusage: plbuf %s %s\n", cmds[i].name,
					argv[a][0] == '-' ? "unknown option" : "unexpected argument",
					argv[a], cmds[i].name, cmds[i].help);
				return 2;
			}
		}
		return cmds[i].fn(argc - 1, argv + 1);
	}
	fprintf(stderr, "plbuf: unknown command \"%s\"\n", argv[1]);
	return usage(stderr);
}

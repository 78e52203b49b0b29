/* The plbuf command: one file per subcommand. */
#ifndef PLBUF_CLI_H
#define PLBUF_CLI_H

#include "plbuf.h"

int cmd_info(int argc, char **argv);
int cmd_dtype(int argc, char **argv);
int cmd_demo(int argc, char **argv);
int cmd_bench(int argc, char **argv);

/* "1.5 MiB" style sizes for tables. */
const char *cli_size(uint64_t n, char *buf, size_t len);

#endif

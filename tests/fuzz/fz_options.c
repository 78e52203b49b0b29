/*
 * Fuzzes option and environment parsing: "key=value ..." strings (plbuf__kv_parse), sizes
 * (plbuf__parse_size), and each backend's own options through plbuf_open(name, options) with
 * PLBUF_OPTIONS set, e.g. the sim's banks=NAME@BASE:SIZE[:coherent],...
 *
 * Every system call of the library's door fails here (the fault hook, armed for good), and
 * PLBUF_ROOT is an empty directory: a backend parses its options and then fails cleanly, without
 * creating shared memory or opening a device.  Input: NAME '\n' OPTIONS '\n' PLBUF_OPTIONS '\n'
 * PLBUF_RESERVED '\n' PLBUF_RESERVED_UIO (the environment the reserved backend reads); a NAME
 * "=x" opens the automatic choice with PLBUF_BACKEND=x.
 */
#include "fault.h"
#include "fuzz.h"
#include "options.h"
#include "context.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fz_root();
	fault_arm(FAULT_ANY, 1, 0, -1);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct plbuf_kv kv = {0};
	char *s, *f[5];
	uint64_t v;

	if (size > 4096)
		return 0;
	s = fz_str(data, size);
	fz_split(s, '\n', f, 5);

	/* the parsers alone */
	fz_clear_msg();
	if (plbuf__parse_size(f[1], &v) == 0)
		FZ_CHECK((f[1][0] >= '0' && f[1][0] <= '9') || f[1][0] == '+');
	if (plbuf__kv_parse(&kv, f[1]) == 0 && plbuf__kv_parse(&kv, f[2]) == 0) {
		FZ_CHECK(kv.n <= PLBUF_KV_MAX);
		for (int i = 0; i < kv.n; i++) {
			FZ_CHECK(kv.e[i].key[0] && !strchr(kv.e[i].key, ' '));
			plbuf__kv_u64(&kv, kv.e[i].key, 0, &v);
		}
		FZ_CHECK(plbuf__kv_unused(&kv) == NULL);
	} else {
		FZ_CHECK(plbuf_errmsg()[0]);
	}
	plbuf__kv_free(&kv);

	/* through a backend: the name picks one (or the automatic choice when empty) */
	/* putenv of buffers of our own: glibc's setenv keeps every value it was ever given, which
	 * grows by megabytes a minute here.  An empty value means unset to plbuf. */
	static const char *const env[] = {"PLBUF_OPTIONS", "PLBUF_RESERVED", "PLBUF_RESERVED_UIO"};
	static char envbuf[3][4200];

	for (int i = 0; i < 3; i++) {
		snprintf(envbuf[i], sizeof(envbuf[i]), "%s=%s", env[i], f[2 + i]);
		putenv(envbuf[i]);
	}
	/* NAME "=x" is the automatic choice with PLBUF_BACKEND=x */
	static char backend[4200];

	snprintf(backend, sizeof(backend), "PLBUF_BACKEND=%s", f[0][0] == '=' ? f[0] + 1 : "");
	putenv(backend);
	fz_clear_msg();
	plbuf_ctx *ctx = plbuf_open(f[0][0] && f[0][0] != '=' ? f[0] : NULL, f[1]);

	FZ_CHECK(!ctx); /* no system call succeeds */
	FZ_CHECK(errno > 0 && errno < 4096 && plbuf_errmsg()[0]);
	free(s);
	return 0;
}

/* The checker's device-side reports name the buffer, from the memory file's table of live buffers,
 * while other threads allocate and free (the table is changed and read at once, without a lock:
 * run under ThreadSanitizer by tests/suites/tsan.sh):
 *  - two threads each allocate a buffer, dirty one line, let the device read it without a flush:
 *    the report names that buffer (device address and length), every time;
 *  - lines of memory no live buffer holds (a freed buffer's) are reported by bank and addresses,
 *    with buf_len 0 and a message that says why the buffer is not named;
 *  - more live buffers than the table holds (PLBUF_SIM_MAX_BUFS, 1024): the rest are not named,
 *    and nothing breaks. */
#include <pthread.h>
#include <stdint.h>

#include "test.h"

#define ROUNDS 200

static plbuf_ctx *ctx;
static __thread uint64_t got_addr, got_len;
static __thread int got;
static __thread char got_msg[512];

static void on_report(const struct plbuf_sim_report *r, void *arg)
{
	(void)arg;
	got_addr = r->buf_addr;
	got_len = r->buf_len;
	snprintf(got_msg, sizeof(got_msg), "%s", r->message);
	got++;
}

static void *worker(void *arg)
{
	plbuf_sim_dev *dev = plbuf_sim_attach(plbuf_sim_name(ctx));
	int64_t n = 1000 + 24 * (int64_t)(intptr_t)arg; /* bytes: two sizes, neither a line multiple */
	uint8_t tmp[4];

	CHECK(dev);
	for (int i = 0; i < ROUNDS; i++) {
		plbuf_buf *b = plbuf_allocate(ctx, 1, &n, "u1", NULL);
		char want[96];

		CHECK(b);
		uint64_t a = plbuf_device_address(b);
		((uint8_t *)plbuf_data(b))[130]++; /* line 2 */
		got = 0;
		CHECK(plbuf_sim_read(dev, a + 128, tmp, 4) == 0);
		snprintf(want, sizeof(want), "of buffer 0x%llx (+%lld bytes, bank DDR0)",
			 (unsigned long long)a, (long long)n);
		if (got != 1 || got_addr != a || got_len != (uint64_t)n || !strstr(got_msg, want)) {
			fprintf(stderr, "round %d: %d reports, buffer 0x%llx +%llu (expected 0x%llx +%lld): "
				"%s\n", i, got, (unsigned long long)got_addr,
				(unsigned long long)got_len, (unsigned long long)a, (long long)n, got_msg);
			exit(T_EXIT_FAIL);
		}
		CHECK(plbuf_flush(b) == 0 && plbuf_free(b) == 0);
	}
	plbuf_sim_detach(dev);
	return NULL;
}

int main(void)
{
	pthread_t t[2];
	int64_t n = 4096;
	uint8_t tmp[4];

	ctx = plbuf_open("sim", "banks=DDR0@0x40000000:16M coherent=0 line=64 check=1");
	CHECK(ctx);
	plbuf_sim_set_check_callback(on_report, NULL);
	for (intptr_t i = 0; i < 2; i++)
		CHECK(pthread_create(&t[i], NULL, worker, (void *)i) == 0);
	for (int i = 0; i < 2; i++)
		CHECK(pthread_join(t[i], NULL) == 0);
	printf("2 threads x %d buffers: every device-side report named its buffer\n", ROUNDS);

	/* memory no live buffer holds: named by bank and addresses only */
	plbuf_sim_dev *dev = plbuf_sim_attach(plbuf_sim_name(ctx));
	plbuf_buf *b = plbuf_allocate(ctx, 1, &n, "u1", NULL);
	CHECK(dev && b);
	uint64_t a = plbuf_device_address(b);
	((uint8_t *)plbuf_data(b))[64] = 0x5a;
	CHECK(plbuf_free(b) == 0);
	got = 0;
	CHECK(plbuf_sim_read(dev, a + 64, tmp, 4) == 0);
	CHECK(got == 1 && got_len == 0 && strstr(got_msg, "bank DDR0 (no live buffer there"));
	printf("freed memory: %s\n", got_msg);

	/* more live buffers than the table holds: the first ones are named, the rest are not */
	enum { MANY = 1100 };
	static plbuf_buf *many[MANY];
	int64_t one = 64;
	for (int i = 0; i < MANY; i++)
		CHECK((many[i] = plbuf_allocate(ctx, 1, &one, "u1", NULL)) != NULL);
	int named = 0, unnamed = 0;
	for (int i = 0; i < MANY; i++) {
		((uint8_t *)plbuf_data(many[i]))[0]++;
		got = 0;
		CHECK(plbuf_sim_read(dev, plbuf_device_address(many[i]), tmp, 1) == 0);
		CHECK(got == 1);
		if (got_len == 64 && got_addr == plbuf_device_address(many[i]))
			named++;
		else if (got_len == 0)
			unnamed++;
		CHECK(plbuf_flush(many[i]) == 0);
	}
	printf("%d live buffers: %d named, %d not (the table holds 1024)\n", MANY, named, unnamed);
	CHECK(named == 1024 && unnamed == MANY - 1024);
	for (int i = 0; i < MANY; i++)
		CHECK(plbuf_free(many[i]) == 0);
	plbuf_sim_detach(dev);
	plbuf_close(ctx);
	return T_EXIT_PASS;
}

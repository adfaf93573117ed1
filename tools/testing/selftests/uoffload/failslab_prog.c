// SPDX-License-Identifier: GPL-2.0
/*
 * The request side of failslab_test.sh: with slab allocations of this task
 * failing at random (the script arms /sys/kernel/debug/failslab with
 * task-filter=Y; this program sets /proc/self/make-it-fail only around its
 * requests), every op either succeeds with every byte right or fails with
 * ENOMEM having written nothing.  Also opens /dev/uoffload and sets up
 * rings while armed: those either work or fail with ENOMEM.
 *
 *   failslab_prog ROUNDS
 *
 * Prints one "# op: N ok, N ENOMEM" line per op, then "injected N" (how
 * many results were ENOMEM); exits 0 if nothing was wrong and at least one
 * failure was injected, 1 otherwise.
 *
 *   failslab_prog --load KO
 *
 * Reads the module file unarmed, then loads it armed with init_module(),
 * which reads the image from user memory into a vmalloc() area that does
 * not log its failures (finit_module()'s kernel_read_file() does, with a
 * stack trace that the selftests would count as kernel trouble).  Exits 0 if
 * it loaded, 2 if it failed (naming the error), 1 if it could not try.
 */
#define UOFF_TEST_NO_HARNESS
#include <stdarg.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "uoff_test.h"

#define BUF_LEN		(512 * KiB)
#define FIXED_LEN	(256 * KiB)
/* Large enough that the kernel's arrays for it exceed a page. */
#define NR_DESCS	300

enum op {
	OP_OPEN, OP_RING, OP_COPY, OP_FILL, OP_BATCH, OP_FIXED_COPY,
	OP_FIXED_FILL, OP_DEFLATE, OP_INFLATE, NR_OPS
};

static const char *const op_names[NR_OPS] = {
	"open", "ring setup", "copy", "fill", "batch", "fixed copy",
	"fixed fill", "deflate", "inflate",
};

static unsigned long nr_ok[NR_OPS], nr_nomem[NR_OPS];
static int fail_fd = -1, prob_fd = -1;
static int errors;

static void arm(bool on)
{
	if (pwrite(fail_fd, on ? "1" : "0", 1, 0) != 1) {
		perror("make-it-fail");
		exit(1);
	}
}

static void __attribute__((format(printf, 3, 4)))
bad(enum op op, unsigned int round, const char *fmt, ...)
{
	va_list ap;

	printf("# FAIL %s, round %u: ", op_names[op], round);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	errors++;
}

/*
 * Round @r fails one allocation in 50, 20, 10, 5 or 2.5: a ring setup makes
 * so many that it needs the low ones to succeed at all, a COPY so few that
 * it needs the high ones to fail often.
 */
static void set_probability(unsigned int r)
{
	static const char *const pct[] = { "2", "5", "10", "20", "40" };
	const char *p = pct[r % ARRAY_SIZE(pct)];

	if (prob_fd >= 0 && write(prob_fd, p, strlen(p)) < 0) {
		perror("failslab probability");
		exit(1);
	}
}

/*
 * Submits the one queued SQE and waits for its completion, all armed.
 * io_uring itself may fail to allocate the request: the submission then
 * returns -ENOMEM or -EAGAIN and is simply repeated.  A failure to submit
 * or to wait is reported and returned.
 */
static int run_armed(struct io_uring *ring, enum op op, unsigned int round,
		     int *res)
{
	struct io_uring_cqe *cqe;
	int ret, tries = 0;

	arm(true);
	do {
		ret = io_uring_submit(ring);
	} while ((ret == 0 || ret == -ENOMEM || ret == -EAGAIN) &&
		 ++tries < 1000);
	if (ret == 1) {
		do {
			ret = io_uring_wait_cqe(ring, &cqe);
		} while (ret == -EINTR);
	}
	arm(false);
	if (ret >= 0 && tries >= 1000)
		ret = -EBUSY;
	if (ret < 0) {
		bad(op, round, "submission: %d", ret);
		return ret;
	}
	*res = cqe->res;
	io_uring_cqe_seen(ring, cqe);
	return 0;
}

/* Judges a result: @good is the success value, @ok whether bytes match. */
static void judge(enum op op, unsigned int round, int res, int good,
		  bool bytes_ok, const unsigned char *dst, size_t len)
{
	struct uoff_mismatch m;

	if (res == -ENOMEM) {
		m = uoff_cmp_const(dst - UOFF_GUARD, len + 2 * UOFF_GUARD,
				   UOFF_CANARY);
		if (m.bad)
			bad(op, round, "ENOMEM but byte %lld written (0x%x)",
			    m.off - UOFF_GUARD, m.got);
		nr_nomem[op]++;
		return;
	}
	if (res != good) {
		bad(op, round, "result %d, want %d or -ENOMEM", res, good);
		return;
	}
	m = uoff_cmp_guards(dst, len);
	if (m.bad)
		bad(op, round, "guard byte %lld written (0x%x)", m.off,
		    m.got);
	else if (!bytes_ok)
		bad(op, round, "succeeded with wrong bytes");
	else
		nr_ok[op]++;
}

static void canary(unsigned char *dst, size_t len)
{
	memset(dst - UOFF_GUARD, UOFF_CANARY, len + 2 * UOFF_GUARD);
}

static int load(const char *path)
{
	struct stat st;
	void *image;
	int fd, ret, err;

	fd = open(path, O_RDONLY);
	if (fd < 0 || fstat(fd, &st)) {
		perror(path);
		return 1;
	}
	image = malloc(st.st_size);
	if (!image || read(fd, image, st.st_size) != st.st_size) {
		perror(path);
		return 1;
	}
	close(fd);
	arm(true);
	ret = syscall(SYS_init_module, image, (unsigned long)st.st_size, "");
	err = errno;
	arm(false);
	free(image);
	if (!ret)
		return 0;
	printf("# init_module: %s\n", strerror(err));
	return 2;
}

int main(int argc, char **argv)
{
	static const size_t sizes[] = { 100, 4096, 12 * KiB, 64 * KiB,
					300 * KiB };
	unsigned int rounds = argc > 1 ? atoi(argv[1]) : 20;
	unsigned char *src, *dst, *fixed, *zsrc, *zout, *zback;
	struct uoff_desc descs[NR_DESCS];
	unsigned long injected = 0;
	struct io_uring_sqe *sqe;
	struct uoff_ctx c;
	struct iovec iov;
	unsigned int r, i, k, nr;
	int ret, res, zlen;

	fail_fd = open("/proc/self/make-it-fail", O_WRONLY);
	if (fail_fd < 0) {
		perror("/proc/self/make-it-fail");
		return 4;
	}
	if (argc > 2 && !strcmp(argv[1], "--load"))
		return load(argv[2]);
	/* Without it, the probability the script set stays. */
	prob_fd = open("/sys/kernel/debug/failslab/probability", O_WRONLY);
	ret = uoff_ctx_init(&c, 8, 0);
	if (ret) {
		printf("# FAIL: setting up: %s\n", strerror(-ret));
		return 1;
	}
	src = uoff_map(BUF_LEN);
	dst = uoff_map(BUF_LEN + 2 * UOFF_GUARD);
	fixed = uoff_map(2 * FIXED_LEN + 2 * UOFF_GUARD);
	zsrc = uoff_map(BUF_LEN);
	zout = uoff_map(BUF_LEN);
	zback = uoff_map(BUF_LEN);
	if (!src || !dst || !fixed || !zsrc || !zout || !zback) {
		printf("# FAIL: out of memory\n");
		return 1;
	}
	dst += UOFF_GUARD;
	uoff_pattern_fill(src, BUF_LEN, 1, 0);
	/* Compressible: runs of one byte between pattern stretches. */
	for (i = 0; i < BUF_LEN; i += 1024) {
		memset(zsrc + i, i / 1024, 768);
		uoff_pattern_fill(zsrc + i + 768, 256, 2, i);
	}
	memset(zout, 0, BUF_LEN);
	memset(zback, 0, BUF_LEN);
	memset(fixed, 0, 2 * FIXED_LEN + 2 * UOFF_GUARD);
	iov.iov_base = fixed;
	iov.iov_len = 2 * FIXED_LEN + 2 * UOFF_GUARD;
	ret = io_uring_register_buffers(&c.ring, &iov, 1);
	if (ret) {
		printf("# FAIL: registering the buffer: %s\n", strerror(-ret));
		return 1;
	}

	for (r = 0; r < rounds; r++) {
		size_t len = sizes[r % ARRAY_SIZE(sizes)];
		__u64 pat = 0x0123456789abcdefULL ^ r;
		unsigned char *fdst = fixed + UOFF_GUARD + FIXED_LEN;
		unsigned int fmt = UOFF_ZIP_RAW + r % 3;
		struct io_uring ring2;
		bool ok;

		set_probability(r);

		/* Opening the device. */
		arm(true);
		ret = io_uring_offload_open(0);
		arm(false);
		if (ret >= 0) {
			close(ret);
			nr_ok[OP_OPEN]++;
		} else if (ret == -ENOMEM) {
			nr_nomem[OP_OPEN]++;
		} else {
			bad(OP_OPEN, r, "error %d", ret);
		}

		/* Setting up a ring. */
		arm(true);
		ret = io_uring_queue_init(8, &ring2, 0);
		arm(false);
		if (!ret) {
			io_uring_queue_exit(&ring2);
			nr_ok[OP_RING]++;
		} else if (ret == -ENOMEM) {
			nr_nomem[OP_RING]++;
		} else {
			bad(OP_RING, r, "error %d", ret);
		}

		/* COPY */
		canary(dst, len);
		sqe = uoff_sqe(&c.ring);
		io_uring_prep_copy(sqe, c.fd, dst, src + r, len, 0);
		if (run_armed(&c.ring, OP_COPY, r, &res))
			break;
		ok = !uoff_cmp_pattern(dst, len, 1, r).bad;
		judge(OP_COPY, r, res, len, ok, dst, len);

		/* FILL */
		canary(dst, len);
		sqe = uoff_sqe(&c.ring);
		io_uring_prep_fill(sqe, c.fd, dst, pat, len, 0);
		if (run_armed(&c.ring, OP_FILL, r, &res))
			break;
		ok = !uoff_cmp_fill(dst, len, pat).bad;
		judge(OP_FILL, r, res, len, ok, dst, len);

		/*
		 * BATCH: alternating copies and fills of 1 KiB + r bytes, 40
		 * of them or NR_DESCS.
		 */
		k = 1024 + r;
		nr = r % 2 ? NR_DESCS : 40;
		canary(dst, (size_t)nr * k);
		for (i = 0; i < nr; i++) {
			if (i % 2)
				io_uring_offload_desc_fill(&descs[i],
							   dst + i * k, pat, k);
			else
				io_uring_offload_desc_copy(&descs[i],
							   dst + i * k,
							   src + i * k, k);
		}
		sqe = uoff_sqe(&c.ring);
		io_uring_prep_offload_batch(sqe, c.fd, descs, nr, 0);
		if (run_armed(&c.ring, OP_BATCH, r, &res))
			break;
		ok = true;
		for (i = 0; i < nr && ok; i++)
			ok = !(i % 2 ? uoff_cmp_fill(dst + i * k, k, pat) :
			       uoff_cmp_bytes(dst + i * k, src + i * k, k)).bad;
		judge(OP_BATCH, r, res, nr * k, ok, dst, (size_t)nr * k);

		/* FIXED copy: both ranges in the registered buffer. */
		len = len > FIXED_LEN - UOFF_GUARD ? FIXED_LEN - UOFF_GUARD :
						     len;
		uoff_pattern_fill(fixed + UOFF_GUARD, FIXED_LEN - UOFF_GUARD,
				  3, r);
		canary(fdst, len);
		sqe = uoff_sqe(&c.ring);
		io_uring_prep_copy_fixed(sqe, c.fd, fdst, fixed + UOFF_GUARD,
					 len, UOFF_F_FIXED_DST |
					 UOFF_F_FIXED_SRC, 0);
		if (run_armed(&c.ring, OP_FIXED_COPY, r, &res))
			break;
		ok = !uoff_cmp_pattern(fdst, len, 3, r).bad;
		judge(OP_FIXED_COPY, r, res, len, ok, fdst, len);

		/* FIXED fill */
		canary(fdst, len);
		sqe = uoff_sqe(&c.ring);
		io_uring_prep_fill_fixed(sqe, c.fd, fdst, pat, len,
					 UOFF_F_FIXED_DST, 0);
		if (run_armed(&c.ring, OP_FIXED_FILL, r, &res))
			break;
		ok = !uoff_cmp_fill(fdst, len, pat).bad;
		judge(OP_FIXED_FILL, r, res, len, ok, fdst, len);

		/*
		 * DEFLATE, judged by inflating its output unarmed; the source
		 * is some KiB of the compressible buffer.
		 */
		len = 8 * KiB + (r % 4) * 16 * KiB;
		canary(dst, len);
		sqe = uoff_sqe(&c.ring);
		io_uring_prep_deflate(sqe, c.fd, dst, len, zsrc, len, fmt, 0,
				      0);
		if (run_armed(&c.ring, OP_DEFLATE, r, &res))
			break;
		ok = false;
		if (res > 0 && (size_t)res <= len) {
			sqe = uoff_sqe(&c.ring);
			io_uring_prep_inflate(sqe, c.fd, zback, len, dst, res,
					      fmt, 0);
			ret = uoff_run1(&c.ring, sqe, &zlen);
			ok = !ret && zlen == (int)len &&
			     !memcmp(zback, zsrc, len);
		}
		/* Its length is not known beforehand: only the guards. */
		if (res > 0 && (size_t)res <= len && ok) {
			if (uoff_cmp_guards(dst, len).bad)
				bad(OP_DEFLATE, r, "guard written");
			else
				nr_ok[OP_DEFLATE]++;
		} else if (res > 0) {
			bad(OP_DEFLATE, r, "result %d does not inflate back",
			    res);
		} else {
			judge(OP_DEFLATE, r, res, 0, false, dst, len);
		}

		/* INFLATE of a stream made unarmed. */
		sqe = uoff_sqe(&c.ring);
		io_uring_prep_deflate(sqe, c.fd, zout, BUF_LEN, zsrc, len, fmt,
				      0, 0);
		ret = uoff_run1(&c.ring, sqe, &zlen);
		if (ret || zlen <= 0) {
			bad(OP_INFLATE, r, "deflating unarmed: %d, %d", ret,
			    zlen);
			break;
		}
		canary(dst, len);
		sqe = uoff_sqe(&c.ring);
		io_uring_prep_inflate(sqe, c.fd, dst, len, zout, zlen, fmt, 0);
		if (run_armed(&c.ring, OP_INFLATE, r, &res))
			break;
		ok = !memcmp(dst, zsrc, len);
		judge(OP_INFLATE, r, res, len, ok, dst, len);
	}

	for (i = 0; i < NR_OPS; i++) {
		printf("# %s: %lu ok, %lu ENOMEM\n", op_names[i], nr_ok[i],
		       nr_nomem[i]);
		injected += nr_nomem[i];
	}
	printf("# injected %lu, %d wrong\n", injected, errors);
	uoff_ctx_exit(&c);
	if (!injected) {
		printf("# FAIL: no request failed: nothing was tested\n");
		return 1;
	}
	return errors ? 1 : 0;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * fork() while a large op is in flight on the ring path.  The child
 * scribbles over its copies of the source and destination; the op still
 * completes in the parent with the parent's own source bytes, none of the
 * child's writes show in the parent, and none of the op's writes show in
 * the child.
 */
#include "uoff_test.h"

#define OP_LEN		(64 * MiB)
#define NR_DESCS	4
#define SEED		0xf0c4ULL
#define PATTERN		0x0f1e2d3c4b5a6978ULL

enum fork_op { FORK_COPY, FORK_FILL, FORK_BATCH };

FIXTURE(fork) {
	struct uoff_ctx		ctx;
	struct uoff_param	threshold;
	char			*src, *dst;
	struct uoff_desc	descs[NR_DESCS];
};

FIXTURE_VARIANT(fork) {
	enum fork_op		op;
	unsigned int		child_delay_ms;
};

FIXTURE_VARIANT_ADD(fork, copy_scribble_at_once) {
	.op = FORK_COPY,
	.child_delay_ms = 0,
};

FIXTURE_VARIANT_ADD(fork, copy_scribble_midway) {
	.op = FORK_COPY,
	.child_delay_ms = 3,
};

FIXTURE_VARIANT_ADD(fork, fill_scribble_at_once) {
	.op = FORK_FILL,
	.child_delay_ms = 0,
};

FIXTURE_VARIANT_ADD(fork, batch_scribble_at_once) {
	.op = FORK_BATCH,
	.child_delay_ms = 0,
};

FIXTURE_SETUP(fork)
{
	self->src = uoff_map(OP_LEN);
	self->dst = uoff_map(OP_LEN);
	ASSERT_NE(NULL, self->src);
	ASSERT_NE(NULL, self->dst);
	uoff_pattern_fill(self->src, OP_LEN, SEED, 0);
	memset(self->dst, 0, OP_LEN);
	uoff_fixture_open(_metadata, &self->ctx, &self->threshold,
			  UOFF_ALL_RING, 8);
}

FIXTURE_TEARDOWN_PARENT(fork)
{
	uoff_param_restore(&self->threshold);
}

/*
 * The child: overwrite everything, wait for the parent's op to be done,
 * then check that the op wrote nothing into the child's pages.
 */
static int child_scribble(FIXTURE_DATA(fork) *self, unsigned int delay_ms,
			  int done_fd)
{
	char c;

	if (delay_ms)
		uoff_sleep_ms(delay_ms);
	memset(self->src, 0x5a, OP_LEN);
	memset(self->dst, 0xa5, OP_LEN);
	memset(self->descs, 0xff, sizeof(self->descs));
	if (read(done_fd, &c, 1) != 1)
		return 2;
	if (uoff_cmp_const(self->src, OP_LEN, 0x5a).bad)
		return 3;
	if (uoff_cmp_const(self->dst, OP_LEN, 0xa5).bad)
		return 4;
	return 0;
}

TEST_F_TIMEOUT(fork, op_in_flight, 120)
{
	static const char *const child_errors[] = {
		[2] = "parent went away",
		[3] = "child's source changed behind its back",
		[4] = "child's destination changed behind its back",
	};
	struct io_uring_sqe *sqe;
	struct uoff_cqe_rec rec;
	int pipefd[2], status, i;
	pid_t pid;

	ASSERT_NE(NULL, sqe = uoff_sqe(&self->ctx.ring));
	switch (variant->op) {
	case FORK_COPY:
		io_uring_prep_copy(sqe, self->ctx.fd, self->dst, self->src,
				   OP_LEN, 0);
		break;
	case FORK_FILL:
		io_uring_prep_fill(sqe, self->ctx.fd, self->dst, PATTERN,
				   OP_LEN, 0);
		break;
	case FORK_BATCH:
		for (i = 0; i < NR_DESCS; i++)
			io_uring_offload_desc_copy(&self->descs[i],
					self->dst + i * (OP_LEN / NR_DESCS),
					self->src + i * (OP_LEN / NR_DESCS),
					OP_LEN / NR_DESCS);
		io_uring_prep_offload_batch(sqe, self->ctx.fd, self->descs,
					    NR_DESCS, 0);
		break;
	}
	io_uring_sqe_set_data64(sqe, 0xf04c);
	ASSERT_EQ(0, pipe(pipefd));
	ASSERT_EQ(1, io_uring_submit(&self->ctx.ring));

	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		close(pipefd[1]);
		_exit(child_scribble(self, variant->child_delay_ms,
				     pipefd[0]));
	}
	close(pipefd[0]);

	ASSERT_EQ(1, uoff_reap(&self->ctx.ring, 1, &rec, UOFF_REAP_TIMEOUT_MS));
	ASSERT_EQ(0xf04cULL, rec.user_data);
	ASSERT_EQ(1, write(pipefd[1], "x", 1));
	close(pipefd[1]);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(0, WEXITSTATUS(status)) {
		if ((size_t)WEXITSTATUS(status) < ARRAY_SIZE(child_errors) &&
		    child_errors[WEXITSTATUS(status)])
			TH_LOG("child: %s", child_errors[WEXITSTATUS(status)]);
	}

	ASSERT_EQ((int)OP_LEN, rec.res);
	if (variant->op == FORK_FILL)
		ASSERT_MATCH(uoff_cmp_fill(self->dst, OP_LEN, PATTERN),
			     "parent's destination");
	else
		ASSERT_MATCH(uoff_cmp_pattern(self->dst, OP_LEN, SEED, 0),
			     "parent's destination");
	ASSERT_MATCH(uoff_cmp_pattern(self->src, OP_LEN, SEED, 0),
		     "parent's source");
}

UOFF_TEST_MAIN

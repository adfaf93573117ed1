/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/*
 * io_uring_offload_open() and io_uring_offload_get_features() on a host
 * that need not have the module: their argument checks and the -errno
 * convention.
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "helpers.h"

/* The descriptor open(2) would hand out next. */
static int next_fd(void)
{
	int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);

	if (fd >= 0)
		close(fd);
	return fd;
}

static void check_open_flags(void)
{
	static const unsigned int bad[] = {
		1, O_RDWR, O_CLOEXEC, O_NONBLOCK, 1U << 31, ~0U,
	};
	unsigned int i;
	int before = next_fd();

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		t_check_eq(io_uring_offload_open(bad[i]), -EINVAL);
	/* Rejected before open(2): nothing was opened, nothing leaked. */
	t_check_eq(next_fd(), before);
}

static void check_open_device(void)
{
	struct stat st;
	int want, ret, flags;

	if (stat(UOFF_DEVICE_PATH, &st) < 0 && errno == ENOENT) {
		t_check_eq(io_uring_offload_open(0), -ENOENT);
		return;
	}

	/* The device exists: the library must agree with open(2) itself. */
	want = open(UOFF_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	if (want < 0) {
		want = -errno;
		t_check_eq(io_uring_offload_open(0), want);
		return;
	}
	close(want);

	ret = io_uring_offload_open(0);
	t_check(ret >= 0);
	if (ret < 0)
		return;
	flags = fcntl(ret, F_GETFL);
	t_check_eq(flags & O_ACCMODE, O_RDWR);
	t_check(fcntl(ret, F_GETFD) & FD_CLOEXEC);
	close(ret);
}

static void check_get_features_errors(void)
{
	struct uoff_features feat, zero;
	int fd;

	memset(&zero, 0, sizeof(zero));
	t_check_eq(io_uring_offload_get_features(3, NULL), -EINVAL);

	memset(&feat, 0xa5, sizeof(feat));
	t_check_eq(io_uring_offload_get_features(-1, &feat), -EBADF);
	t_check(!memcmp(&feat, &zero, sizeof(feat)));

	/* A file that is not the device does not know the ioctl. */
	fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	t_check(fd >= 0);
	if (fd < 0)
		return;
	memset(&feat, 0x5a, sizeof(feat));
	t_check_eq(io_uring_offload_get_features(fd, &feat), -ENOTTY);
	t_check(!memcmp(&feat, &zero, sizeof(feat)));
	close(fd);
}

int main(void)
{
	check_open_flags();
	check_open_device();
	check_get_features_errors();
	return t_exit_code();
}

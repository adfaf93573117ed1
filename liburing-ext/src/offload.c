/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/*
 * The out-of-line part of liburing-offload: opening the device and asking
 * it what it supports.  Everything that encodes an SQE is inline in the
 * header.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>

#include "liburing-offload.h"

int io_uring_offload_open(unsigned int flags)
{
	int fd;

	/* No flags are defined yet; refuse them so they can be later. */
	if (flags)
		return -EINVAL;

	fd = open(UOFF_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	return fd;
}

int io_uring_offload_get_features(int fd, struct uoff_features *feat)
{
	if (!feat)
		return -EINVAL;

	/* An older module may fill only a prefix; leave the rest reading 0. */
	memset(feat, 0, sizeof(*feat));
	if (ioctl(fd, UOFF_CMD_GET_FEATURES, feat) < 0)
		return -errno;
	return 0;
}

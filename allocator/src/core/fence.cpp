/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "dmabufkit/core/fence.h"

#include <cerrno>
#include <linux/dma-buf.h>
#include <poll.h>
#include <sys/ioctl.h>

#include "dmabufkit/base/log.h"

namespace dmabufkit {

Result<void> waitForFences(int fd, Access access, int timeoutMs)
{
	struct pollfd pfd = { fd, static_cast<short>(access == Access::Read ? POLLIN : POLLOUT),
			      0 };
	for (;;) {
		int n = poll(&pfd, 1, timeoutMs);
		if (n > 0)
			return {};
		if (n == 0) {
			DBK_LOG(Allocator, Warning,
				"dma-buf fd %d: fences did not signal within %d ms", fd, timeoutMs);
			return Error{ ETIMEDOUT, "dma-buf fd " + std::to_string(fd) +
							 ": fences did not signal within " +
							 std::to_string(timeoutMs) + " ms" };
		}
		if (errno != EINTR) {
			Error e =
				Error::fromErrno(errno, "poll on dma-buf fd " + std::to_string(fd));
			DBK_LOG(Allocator, Error, "%s", e.message.c_str());
			return e;
		}
	}
}

Result<UniqueFD> exportSyncFile(int fd, Access access)
{
#ifdef DMA_BUF_IOCTL_EXPORT_SYNC_FILE
	struct dma_buf_export_sync_file arg = {};
	arg.flags = static_cast<__u32>(syncFlags(access));
	arg.fd = -1;
	if (ioctl(fd, DMA_BUF_IOCTL_EXPORT_SYNC_FILE, &arg) < 0) {
		Error e = Error::fromErrno(errno, "DMA_BUF_IOCTL_EXPORT_SYNC_FILE on dma-buf fd " +
							  std::to_string(fd));
		DBK_LOG(Allocator, Error, "%s", e.message.c_str());
		return e;
	}
	return UniqueFD(arg.fd);
#else
	(void)fd;
	(void)access;
	return Error{ ENOTTY, "DMA_BUF_IOCTL_EXPORT_SYNC_FILE not known at build time" };
#endif
}

} /* namespace dmabufkit */

/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "sw_sync_timeline.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <linux/dma-buf.h>
#include <linux/types.h>
#include <sys/ioctl.h>

namespace dmabufkit::test {

namespace {

constexpr const char *kSwSync = "/sys/kernel/debug/sync/sw_sync";

/* sw_sync's ioctls are not uapi: the kernel defines them in
 * drivers/dma-buf/sw_sync.c (the debugfs interface of CONFIG_SW_SYNC).
 * The layout below is that ABI, which userspace test suites depend on. */
struct SwSyncCreateFenceData {
	__u32 value;
	char name[32];
	__s32 fence; /* out: the sync_file fd */
};
constexpr unsigned long kSwSyncIocCreateFence = _IOWR('W', 0, SwSyncCreateFenceData);
constexpr unsigned long kSwSyncIocInc = _IOW('W', 1, __u32);

} /* namespace */

Result<SwSyncTimeline> SwSyncTimeline::open()
{
	SwSyncTimeline t;
	t.fd_ = UniqueFD(::open(kSwSync, O_RDWR | O_CLOEXEC));
	if (!t.fd_)
		return Error::fromErrno(errno,
					std::string("open ") + kSwSync +
						" (needs CONFIG_SW_SYNC and debugfs mounted)");
	return t;
}

Result<UniqueFD> SwSyncTimeline::createFence(uint32_t value, const char *name)
{
	SwSyncCreateFenceData data{};
	data.value = value;
	std::strncpy(data.name, name, sizeof(data.name) - 1);
	data.fence = -1;
	if (ioctl(fd_.get(), kSwSyncIocCreateFence, &data) < 0)
		return Error::fromErrno(errno, "SW_SYNC_IOC_CREATE_FENCE");
	return UniqueFD(data.fence);
}

Result<void> SwSyncTimeline::advance(uint32_t steps)
{
	__u32 n = steps;
	if (ioctl(fd_.get(), kSwSyncIocInc, &n) < 0)
		return Error::fromErrno(errno, "SW_SYNC_IOC_INC");
	return {};
}

Result<void> attachFence(int dmaBufFd, int syncFile, bool write)
{
	struct dma_buf_import_sync_file arg = {};
	arg.flags = write ? DMA_BUF_SYNC_WRITE : DMA_BUF_SYNC_READ;
	arg.fd = syncFile;
	if (ioctl(dmaBufFd, DMA_BUF_IOCTL_IMPORT_SYNC_FILE, &arg) < 0)
		return Error::fromErrno(errno, "DMA_BUF_IOCTL_IMPORT_SYNC_FILE on dma-buf fd " +
						       std::to_string(dmaBufFd));
	return {};
}

} /* namespace dmabufkit::test */

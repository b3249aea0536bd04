/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "dmabufkit/core/fence.h"

#include <atomic>
#include <cerrno>
#include <chrono>
#include <forward_list>
#include <linux/dma-buf.h>
#include <mutex>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/stat.h>

#include "dmabufkit/base/log.h"
#include "dmabufkit/core/dma_buf.h"

namespace dmabufkit {

namespace {

struct Observer {
	FenceWaitObserver fn;
	void *data;
};
std::atomic<const Observer *> observer{ nullptr };

/* poll() until ready, timeout or a real error, through EINTR. */
int pollFences(int fd, short events, int timeoutMs)
{
	struct pollfd pfd = { fd, events, 0 };
	const auto deadline =
		std::chrono::steady_clock::now() + std::chrono::milliseconds(timeoutMs);
	for (;;) {
		int n = poll(&pfd, 1, timeoutMs);
		if (n >= 0 || errno != EINTR)
			return n;
		if (timeoutMs > 0) {
			auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
					    deadline - std::chrono::steady_clock::now())
					    .count();
			timeoutMs = left > 0 ? static_cast<int>(left) : 0;
		}
	}
}

uint64_t inodeOf(int fd)
{
	struct stat st {
	};
	return fstat(fd, &st) == 0 ? static_cast<uint64_t>(st.st_ino) : 0;
}

Error timeoutError(int fd, uint64_t inode, Access access, int timeoutMs)
{
	const std::string exporter = dmaBufFdInfo(fd, "exp_name");
	const std::string name = dmaBufFdInfo(fd, "name");
	const bool read = access == Access::Read;
	std::string who = "dma-buf inode " + std::to_string(inode) + " (exporter " +
			  (exporter.empty() ? std::string("unknown") : exporter);
	if (!name.empty())
		who += ", name \"" + name + "\"";
	who += ", fd " + std::to_string(fd) + ")";
	return Error{ ETIMEDOUT,
		      who + ": its " + (read ? "write" : "read and write") +
			      " fences did not signal within " + std::to_string(timeoutMs) +
			      " ms, so a device is still " + (read ? "writing" : "using") +
			      " it (stuck or too slow); the CPU did not touch it. Check the "
			      "device that produced it, or raise fence-timeout if it is only "
			      "slow" };
}

} /* namespace */

void setFenceWaitObserver(FenceWaitObserver fn, void *data)
{
	/* Replaced rarely (tracer start/stop), while a waiting thread may still
	 * read the old one: every observer set stays in a list that lives until
	 * exit (elements of a forward_list never move). */
	static std::mutex lock;
	static std::forward_list<Observer> all;
	if (!fn) {
		observer.store(nullptr, std::memory_order_release);
		return;
	}
	std::lock_guard<std::mutex> g(lock);
	all.push_front(Observer{ fn, data });
	observer.store(&all.front(), std::memory_order_release);
}

Result<void> waitForFences(int fd, Access access, int timeoutMs)
{
	const short events = static_cast<short>(access == Access::Read ? POLLIN : POLLOUT);
	/* Signalled fences (the usual case): one poll that does not sleep. */
	int n = pollFences(fd, events, 0);
	if (n == 0 && timeoutMs != 0) {
		const auto start = std::chrono::steady_clock::now();
		n = pollFences(fd, events, timeoutMs);
		const uint64_t waited = std::chrono::duration_cast<std::chrono::nanoseconds>(
						std::chrono::steady_clock::now() - start)
						.count();
		const uint64_t inode = inodeOf(fd);
		DBK_LOG(Allocator, Debug,
			"dma-buf inode %llu (fd %d): waited %.1f ms for its fences%s",
			static_cast<unsigned long long>(inode), fd, waited / 1e6,
			n == 0 ? " (timed out)" : "");
		if (const Observer *o = observer.load(std::memory_order_acquire))
			o->fn({ fd, inode, access, waited, n == 0 }, o->data);
	}
	if (n > 0)
		return {};
	if (n == 0) {
		Error e = timeoutError(fd, inodeOf(fd), access, timeoutMs);
		DBK_LOG(Allocator, Warning, "%s", e.message.c_str());
		return e;
	}
	Error e = Error::fromErrno(errno, "poll on dma-buf fd " + std::to_string(fd));
	DBK_LOG(Allocator, Error, "%s", e.message.c_str());
	return e;
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

/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "dmabufkit/v4l2/output_queue.h"

#include <cerrno>
#include <poll.h>
#include <sys/stat.h>

#include "dmabufkit/base/log.h"
#include "dmabufkit/core/dma_buf.h"

namespace dmabufkit::v4l2 {

Result<DeviceFormat> setOutputFormat(const VideoDevice &dev, const DeviceFormat &want)
{
	auto got = dev.setFormat(dev.outputType(), want);
	if (!got) {
		DBK_LOG(V4l2, Error, "%s: OUTPUT: VIDIOC_S_FMT %s failed: %s", dev.label(),
			want.toString().c_str(), got.error().message.c_str());
		return got.error();
	}
	if (got->fourcc != want.fourcc || got->width != want.width || got->height != want.height) {
		Error e{ EINVAL, dev.path() + " (" + dev.info().name + ") cannot show " +
					 want.toString() + ": VIDIOC_S_FMT answered " +
					 got->toString() };
		DBK_LOG(V4l2, Error, "%s", e.message.c_str());
		return e;
	}
	DBK_LOG(V4l2, Info, "%s: OUTPUT format %s (asked %s)", dev.label(), got->toString().c_str(),
		want.toString().c_str());
	return got;
}

Result<void> waitForOutputDone(const VideoDevice &dev, int timeoutMs, int wakeFd)
{
	auto r = dev.poll(POLLOUT, timeoutMs, wakeFd);
	if (!r)
		return r.error(); /* poll logged it */
	if (*r & POLLERR) {
		DBK_LOG(V4l2, Error, "%s: OUTPUT: poll reports an error on the queue", dev.label());
		return Error{ EIO, "poll on " + dev.path() +
					   " reported POLLERR: the OUTPUT queue is not streaming "
					   "or the driver flagged an error" };
	}
	return {};
}

ExportedOutputQueue::ExportedOutputQueue(const VideoDevice &dev)
	: dev_(dev), queue_(dev, dev.outputType())
{
}

ExportedOutputQueue::~ExportedOutputQueue()
{
	(void)release();
}

Result<unsigned> ExportedOutputQueue::allocate(unsigned count, const std::string &namePrefix)
{
	if (auto r = release(); !r)
		return r.error();
	auto n = queue_.allocate(count, V4L2_MEMORY_MMAP);
	if (!n)
		return n;
	for (unsigned i = 0; i < *n; ++i) {
		auto fds = queue_.exportBuffer(i);
		if (!fds) {
			(void)release();
			return fds.error();
		}
		struct stat st;
		if (fstat((*fds)[0].get(), &st) == 0)
			byInode_[st.st_ino] = i;
		if (auto b = DmaBuf::borrow((*fds)[0].get()))
			(void)b->setName(namePrefix + ":" + std::to_string(i));
		fds_.push_back(std::move(fds).value());
	}
	DBK_LOG(V4l2, Info,
		"%s: OUTPUT: %u MMAP buffers exported as dma-bufs %s:0..%u for upstream to "
		"write into (asked %u)",
		dev_.label(), *n, namePrefix.c_str(), *n - 1, count);
	return n;
}

std::optional<unsigned> ExportedOutputQueue::indexOfInode(uint64_t inode) const
{
	auto it = byInode_.find(inode);
	if (it == byInode_.end())
		return std::nullopt;
	return it->second;
}

Result<void> ExportedOutputQueue::queue(unsigned index, const std::vector<uint32_t> &bytesUsed,
					uint64_t timestampNs)
{
	return queue_.queueMmap(index, bytesUsed, timestampNs);
}

Result<void> ExportedOutputQueue::release()
{
	fds_.clear();
	byInode_.clear();
	return queue_.release();
}

} /* namespace dmabufkit::v4l2 */

/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "importing_queue.h"

#include <cerrno>
#include <sys/stat.h>
#include <unistd.h>

#include <gst/allocators/allocators.h>

#include "dmabufkit/base/log.h"

namespace dmabufkit::gstv4l2 {

namespace {

uint64_t fdInode(int fd)
{
	struct stat st;
	return fstat(fd, &st) == 0 ? st.st_ino : 0;
}

uint64_t fdSize(int fd)
{
	off_t end = lseek(fd, 0, SEEK_END);
	lseek(fd, 0, SEEK_SET);
	return end > 0 ? static_cast<uint64_t>(end) : 0;
}

} /* namespace */

ImportingQueue::ImportingQueue(const v4l2::VideoDevice &dev, uint32_t type)
	: dev_(dev), queue_(dev, type)
{
}

ImportingQueue::~ImportingQueue()
{
	dropAll();
}

Result<unsigned> ImportingQueue::allocate(unsigned count)
{
	dropAll();
	auto n = queue_.allocate(count, V4L2_MEMORY_DMABUF);
	if (!n)
		return n;
	cache_.reset(*n);
	held_.assign(*n, nullptr);
	return n;
}

std::vector<uint64_t> ImportingQueue::inodesOf(GstBuffer *buf)
{
	std::vector<uint64_t> out;
	for (guint i = 0; i < gst_buffer_n_memory(buf); ++i) {
		GstMemory *m = gst_buffer_peek_memory(buf, i);
		out.push_back(gst_is_dmabuf_memory(m) ? fdInode(gst_dmabuf_memory_get_fd(m)) : 0);
	}
	return out;
}

std::optional<std::string> ImportingQueue::whyNotImportable(GstBuffer *buf, size_t minSize) const
{
	const guint n = gst_buffer_n_memory(buf);
	if (n == 0)
		return "the buffer has no memory";
	if (n != queue_.numPlanes())
		return "the buffer has " + std::to_string(n) + " memories, the device wants " +
		       std::to_string(queue_.numPlanes()) + " (one per plane)";
	for (guint i = 0; i < n; ++i) {
		GstMemory *m = gst_buffer_peek_memory(buf, i);
		if (!gst_is_dmabuf_memory(m))
			return std::string("memory ") + std::to_string(i) + " is not a dma-buf (" +
			       (m->allocator ? m->allocator->mem_type : "unknown") + ")";
		if (m->offset != 0 && !v4l2::isMultiPlanarType(queue_.type()))
			return "the frame starts at offset " + std::to_string(m->offset) +
			       " in its dma-buf; the single-planar API cannot express that";
	}
	if (n == 1 && gst_buffer_get_size(buf) < minSize)
		return "the buffer holds " + std::to_string(gst_buffer_get_size(buf)) +
		       " bytes, the device needs " + std::to_string(minSize);
	/* vb2 refuses a dma-buf smaller than the plane's size at REQBUFS (its
	 * min_length: sizeimage), whatever the payload: a compressed frame of a
	 * few KiB in a dma-buf of its own size is refused. */
	const v4l2::DeviceFormat &fmt = queue_.format();
	for (guint i = 0; i < n && i < fmt.numPlanes && i < fmt.planes.size(); ++i) {
		const uint64_t need = fmt.planes[i].sizeImage;
		const uint64_t have =
			fdSize(gst_dmabuf_memory_get_fd(gst_buffer_peek_memory(buf, i)));
		if (need && have && have < need)
			return "the dma-buf of plane " + std::to_string(i) + " is " +
			       std::to_string(have) + " bytes, smaller than the " +
			       v4l2::bufferTypeName(queue_.type()) + " format's sizeimage " +
			       std::to_string(need) +
			       " (vb2 refuses a dma-buf smaller than sizeimage, whatever its "
			       "payload)";
	}
	return std::nullopt;
}

Result<void> ImportingQueue::queue(GstBuffer *buf, uint64_t timestampNs, uint32_t bytesUsed)
{
	const guint n = gst_buffer_n_memory(buf);
	GstMemory *first = gst_buffer_peek_memory(buf, 0);
	if (!gst_is_dmabuf_memory(first)) {
		DBK_LOG(V4l2, Error, "%s: %s: cannot queue a buffer that is not a dma-buf",
			dev_.label(), v4l2::bufferTypeName(queue_.type()));
		return Error{ EINVAL, "not a dma-buf" };
	}
	const uint64_t inode = fdInode(gst_dmabuf_memory_get_fd(first));
	const auto before = cache_.boundIndex(inode);
	const uint64_t hits = cache_.hits();
	auto index = cache_.acquire(inode);
	if (!index) {
		DBK_LOG(V4l2, Error, "%s: %s: every one of the %u V4L2 buffers is queued",
			dev_.label(), v4l2::bufferTypeName(queue_.type()), cache_.slots());
		return Error{ EBUSY, "every V4L2 buffer is queued" };
	}
	if (cache_.hits() != hits)
		DBK_LOG(V4l2, Trace,
			"%s: %s: index cache hit: dma-buf inode %llu at index %u again",
			dev_.label(), v4l2::bufferTypeName(queue_.type()),
			static_cast<unsigned long long>(inode), *index);
	else if (before)
		DBK_LOG(V4l2, Debug,
			"%s: %s: dma-buf inode %llu re-queued at index %u instead of %u (busy): "
			"the driver remaps it",
			dev_.label(), v4l2::bufferTypeName(queue_.type()),
			static_cast<unsigned long long>(inode), *index, *before);
	else
		DBK_LOG(V4l2, Trace,
			"%s: %s: index cache miss: dma-buf inode %llu bound to index %u",
			dev_.label(), v4l2::bufferTypeName(queue_.type()),
			static_cast<unsigned long long>(inode), *index);
	std::vector<v4l2::DmaBufPlane> planes;
	for (guint i = 0; i < n; ++i) {
		GstMemory *m = gst_buffer_peek_memory(buf, i);
		int fd = gst_dmabuf_memory_get_fd(m);
		v4l2::DmaBufPlane p;
		p.fd = fd;
		p.length = static_cast<uint32_t>(fdSize(fd));
		p.dataOffset = static_cast<uint32_t>(m->offset);
		p.bytesUsed = n == 1 && bytesUsed ? bytesUsed
						  : static_cast<uint32_t>(m->offset + m->size);
		planes.push_back(p);
	}
	auto r = queue_.queueDmaBuf(*index, planes, timestampNs);
	if (!r) {
		cache_.release(*index);
		return r;
	}
	held_[*index] = gst_buffer_ref(buf);
	return {};
}

Result<std::optional<std::pair<v4l2::DequeuedBuffer, GstBuffer *>>> ImportingQueue::dequeue()
{
	using Out = std::optional<std::pair<v4l2::DequeuedBuffer, GstBuffer *>>;
	auto d = queue_.dequeue();
	if (!d)
		return d.error();
	if (!*d)
		return Out{};
	unsigned i = (*d)->index;
	GstBuffer *buf = i < held_.size() ? std::exchange(held_[i], nullptr) : nullptr;
	cache_.release(i);
	return Out{ std::make_pair(**d, buf) };
}

bool ImportingQueue::holds(GstBuffer *buf) const
{
	for (GstBuffer *b : held_)
		if (b == buf)
			return true;
	return false;
}

void ImportingQueue::dropAll()
{
	for (auto &b : held_)
		if (b)
			gst_buffer_unref(std::exchange(b, nullptr));
	cache_.releaseAll();
}

Result<void> ImportingQueue::flush()
{
	auto r = queue_.streamOff();
	dropAll();
	return r;
}

Result<void> ImportingQueue::release()
{
	auto r = queue_.release();
	dropAll();
	return r;
}

} /* namespace dmabufkit::gstv4l2 */

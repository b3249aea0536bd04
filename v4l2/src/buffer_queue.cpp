/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "dmabufkit/v4l2/buffer_queue.h"

#include <algorithm>

#include <cerrno>
#include <ctime>
#include <fcntl.h>
#include <unistd.h>
#include <string>

#include "dmabufkit/base/log.h"
#include "dmabufkit/v4l2/device_format.h"
#include "dmabufkit/v4l2/import_refusal.h"
#include "dmabufkit/v4l2/video_device.h"

namespace dmabufkit::v4l2 {

namespace {

const char *memoryName(uint32_t memory)
{
	return memory == V4L2_MEMORY_DMABUF ? "DMABUF" : "MMAP";
}

/* The real size of a dma-buf, for refusal messages; 0 if it cannot tell. */
uint64_t dmabufSize(int fd)
{
	const off_t end = lseek(fd, 0, SEEK_END);
	if (end < 0)
		return 0;
	(void)lseek(fd, 0, SEEK_SET);
	return static_cast<uint64_t>(end);
}

} /* namespace */

uint32_t DequeuedBuffer::totalBytesUsed() const
{
	uint32_t n = 0;
	for (unsigned i = 0; i < numPlanes; ++i)
		n += bytesUsed[i] - dataOffset[i];
	return n;
}

BufferQueue::BufferQueue(const VideoDevice &device, uint32_t type) : device_(device), type_(type)
{
}

BufferQueue::~BufferQueue()
{
	(void)release();
}

Result<unsigned> BufferQueue::allocate(unsigned count, uint32_t memory)
{
	if (auto r = release(); !r)
		return r.error();
	auto fmt = device_.getFormat(type_);
	if (!fmt)
		return fmt.error();
	numPlanes_ = isMultiPlanarType(type_) ? fmt->numPlanes : 1;
	format_ = *fmt;
	format_.numPlanes = numPlanes_;

	struct v4l2_requestbuffers req = {};
	req.count = count;
	req.type = type_;
	req.memory = memory;
	if (auto r = device_.ioctl(VIDIOC_REQBUFS, &req, "VIDIOC_REQBUFS"); !r) {
		Error e{ r.error().code, r.error().message + " (" + std::to_string(count) + " " +
						 memoryName(memory) + " buffers on " +
						 bufferTypeName(type_) + ")" };
		DBK_LOG(V4l2, Error, "%s", e.message.c_str());
		return e;
	}
	if (req.count == 0) {
		DBK_LOG(V4l2, Error, "%s: VIDIOC_REQBUFS %u %s buffers on %s gave 0",
			device_.label(), count, memoryName(memory), bufferTypeName(type_));
		return Error{ ENOMEM, "VIDIOC_REQBUFS on " + device_.path() + " gave 0 buffers" };
	}
	memory_ = memory;
	queued_.assign(req.count, false);
	queueOrder_.assign(req.count, 0);
	queuedAtNs_.assign(req.count, 0);
	DBK_LOG(V4l2, Info,
		"%s: %s: asked for %u %s buffers, the driver granted %u (%u plane%s each)",
		device_.label(), bufferTypeName(type_), count, memoryName(memory), req.count,
		numPlanes_, numPlanes_ == 1 ? "" : "s");
	return req.count;
}

Result<void> BufferQueue::release()
{
	if (queued_.empty())
		return {};
	Result<void> off = streamOff();
	struct v4l2_requestbuffers req = {};
	req.count = 0;
	req.type = type_;
	req.memory = memory_;
	auto r = device_.ioctl(VIDIOC_REQBUFS, &req, "VIDIOC_REQBUFS(0)");
	if (!r)
		DBK_LOG(V4l2, Error, "%s (freeing the %s buffers)", r.error().message.c_str(),
			bufferTypeName(type_));
	else
		DBK_LOG(V4l2, Debug, "%s: %s: freed %zu %s buffers", device_.label(),
			bufferTypeName(type_), queued_.size(), memoryName(memory_));
	queued_.clear();
	queuedAtNs_.clear();
	if (!off)
		return off;
	return r;
}

static void prepare(struct v4l2_buffer &buf, struct v4l2_plane *planes, uint32_t type,
		    uint32_t memory, unsigned index, unsigned numPlanes)
{
	buf = {};
	buf.type = type;
	buf.memory = memory;
	buf.index = index;
	if (isMultiPlanarType(type)) {
		buf.m.planes = planes;
		buf.length = numPlanes;
	}
}

Result<void> BufferQueue::query(unsigned index, struct v4l2_buffer &buf,
				struct v4l2_plane *planes) const
{
	prepare(buf, planes, type_, memory_, index, numPlanes_);
	if (auto r = device_.ioctl(VIDIOC_QUERYBUF, &buf, "VIDIOC_QUERYBUF"); !r) {
		DBK_LOG(V4l2, Error, "%s (buffer %u on %s)", r.error().message.c_str(), index,
			bufferTypeName(type_));
		return r.error();
	}
	return {};
}

Result<std::vector<uint32_t>> BufferQueue::planeLengths(unsigned index) const
{
	struct v4l2_buffer buf;
	struct v4l2_plane planes[VIDEO_MAX_PLANES] = {};
	if (auto r = query(index, buf, planes); !r)
		return r.error();
	std::vector<uint32_t> out;
	if (isMultiPlanarType(type_))
		for (unsigned i = 0; i < numPlanes_; ++i)
			out.push_back(planes[i].length);
	else
		out.push_back(buf.length);
	return out;
}

Result<std::vector<UniqueFD>> BufferQueue::exportBuffer(unsigned index) const
{
	std::vector<UniqueFD> fds;
	for (unsigned p = 0; p < numPlanes_; ++p) {
		struct v4l2_exportbuffer e = {};
		e.type = type_;
		e.index = index;
		e.plane = p;
		e.flags = O_CLOEXEC | O_RDWR;
		if (auto r = device_.ioctl(VIDIOC_EXPBUF, &e, "VIDIOC_EXPBUF"); !r) {
			Error err{ r.error().code, r.error().message + " (buffer " +
							   std::to_string(index) + " plane " +
							   std::to_string(p) + ")" };
			DBK_LOG(V4l2, Error, "%s", err.message.c_str());
			return err;
		}
		DBK_LOG(V4l2, Debug, "%s: %s: exported buffer %u plane %u as dma-buf fd %d",
			device_.label(), bufferTypeName(type_), index, p, e.fd);
		fds.emplace_back(e.fd);
	}
	return fds;
}

Result<void> BufferQueue::queue(struct v4l2_buffer &buf, struct v4l2_plane *planes, unsigned index,
				uint64_t timestampNs)
{
	if (index >= queued_.size()) {
		DBK_LOG(V4l2, Error, "%s: %s: buffer index %u out of range (%zu buffers)",
			device_.label(), bufferTypeName(type_), index, queued_.size());
		return Error{ EINVAL, "buffer index " + std::to_string(index) +
					      " out of range on " + device_.path() };
	}
	if (queued_[index]) {
		DBK_LOG(V4l2, Error, "%s: %s: buffer %u is already queued", device_.label(),
			bufferTypeName(type_), index);
		return Error{ EBUSY, "buffer " + std::to_string(index) + " already queued on " +
					     device_.path() };
	}
	if (isOutputType(type_)) {
		buf.flags |= V4L2_BUF_FLAG_TIMESTAMP_COPY;
		buf.timestamp.tv_sec = static_cast<time_t>(timestampNs / 1000000000ull);
		buf.timestamp.tv_usec =
			static_cast<suseconds_t>((timestampNs % 1000000000ull) / 1000);
	}
	if (auto r = device_.ioctl(VIDIOC_QBUF, &buf, "VIDIOC_QBUF"); !r) {
		Error e{ r.error().code, r.error().message + " (buffer " + std::to_string(index) +
						 " on " + bufferTypeName(type_) + ")" };
		if (buf.memory == V4L2_MEMORY_DMABUF) {
			std::vector<QueuedImportPlane> q;
			if (isMultiPlanarType(type_))
				for (unsigned i = 0; i < buf.length && i < VIDEO_MAX_PLANES; ++i)
					q.push_back({ dmabufSize(planes[i].m.fd), planes[i].length,
						      planes[i].bytesused, planes[i].data_offset });
			else
				q.push_back({ dmabufSize(buf.m.fd), buf.length, buf.bytesused, 0 });
			e.message += explainImportRefusal(e.code, q, format_, isOutputType(type_));
		}
		DBK_LOG(V4l2, Error, "%s", e.message.c_str());
		return e;
	}
	DBK_LOG(V4l2, Trace, "%s: %s: queued %s buffer %u", device_.label(), bufferTypeName(type_),
		memoryName(buf.memory), index);
	queued_[index] = true;
	queueOrder_[index] = ++lastQueueOrder_;
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	queuedAtNs_[index] = static_cast<uint64_t>(now.tv_sec) * 1000000000ull +
			     static_cast<uint64_t>(now.tv_nsec);
	return {};
}

Result<void> BufferQueue::queueMmap(unsigned index, const std::vector<uint32_t> &bytesUsed,
				    uint64_t timestampNs)
{
	struct v4l2_buffer buf;
	struct v4l2_plane planes[VIDEO_MAX_PLANES] = {};
	prepare(buf, planes, type_, V4L2_MEMORY_MMAP, index, numPlanes_);
	if (isMultiPlanarType(type_)) {
		for (unsigned i = 0; i < numPlanes_ && i < bytesUsed.size(); ++i)
			planes[i].bytesused = bytesUsed[i];
	} else if (!bytesUsed.empty()) {
		buf.bytesused = bytesUsed[0];
	}
	return queue(buf, planes, index, timestampNs);
}

Result<void> BufferQueue::queueMmapInRequest(unsigned index, uint32_t bytesUsed,
					     uint64_t timestampNs, int requestFd)
{
	struct v4l2_buffer buf;
	struct v4l2_plane planes[VIDEO_MAX_PLANES] = {};
	prepare(buf, planes, type_, V4L2_MEMORY_MMAP, index, numPlanes_);
	if (isMultiPlanarType(type_))
		planes[0].bytesused = bytesUsed;
	else
		buf.bytesused = bytesUsed;
	buf.flags = V4L2_BUF_FLAG_REQUEST_FD;
	buf.request_fd = requestFd;
	return queue(buf, planes, index, timestampNs);
}

Result<void> BufferQueue::queueDmaBuf(unsigned index, const std::vector<DmaBufPlane> &in,
				      uint64_t timestampNs)
{
	if (in.size() != numPlanes_) {
		DBK_LOG(V4l2, Error, "%s: %s: %zu dma-buf planes queued, the format has %u",
			device_.label(), bufferTypeName(type_), in.size(), numPlanes_);
		return Error{ EINVAL, "queueing " + std::to_string(in.size()) +
					      " dma-buf planes on " + device_.path() +
					      ", which wants " + std::to_string(numPlanes_) };
	}
	struct v4l2_buffer buf;
	struct v4l2_plane planes[VIDEO_MAX_PLANES] = {};
	prepare(buf, planes, type_, V4L2_MEMORY_DMABUF, index, numPlanes_);
	if (isMultiPlanarType(type_)) {
		for (unsigned i = 0; i < numPlanes_; ++i) {
			planes[i].m.fd = in[i].fd;
			planes[i].length = in[i].length;
			planes[i].bytesused = in[i].bytesUsed ? in[i].bytesUsed : in[i].length;
			planes[i].data_offset = in[i].dataOffset;
		}
	} else {
		/* The single-planar API has no data offset: the frame starts at 0. */
		if (in[0].dataOffset) {
			DBK_LOG(V4l2, Error, "%s: single-planar queue cannot import at offset %u",
				device_.label(), in[0].dataOffset);
			return Error{ EINVAL,
				      "single-planar " + device_.path() +
					      " cannot import a frame at a non-zero offset" };
		}
		buf.m.fd = in[0].fd;
		buf.length = in[0].length;
		buf.bytesused = in[0].bytesUsed ? in[0].bytesUsed : in[0].length;
	}
	return queue(buf, planes, index, timestampNs);
}

/* What a DQBUF or QUERYBUF answered; the buffer is ours from now on. */
DequeuedBuffer BufferQueue::dequeuedFrom(const struct v4l2_buffer &buf,
					 const struct v4l2_plane *planes)
{
	DequeuedBuffer d;
	d.index = buf.index;
	d.flags = buf.flags;
	d.sequence = buf.sequence;
	d.timestampNs = static_cast<uint64_t>(buf.timestamp.tv_sec) * 1000000000ull +
			static_cast<uint64_t>(buf.timestamp.tv_usec) * 1000ull;
	if (isMultiPlanarType(type_)) {
		d.numPlanes = buf.length;
		for (unsigned i = 0; i < buf.length && i < VIDEO_MAX_PLANES; ++i) {
			d.bytesUsed[i] = planes[i].bytesused;
			d.dataOffset[i] = planes[i].data_offset;
		}
	} else {
		d.numPlanes = 1;
		d.bytesUsed[0] = buf.bytesused;
	}
	if (buf.index < queued_.size())
		queued_[buf.index] = false;
	return d;
}

Result<std::optional<DequeuedBuffer>> BufferQueue::dequeue()
{
	struct v4l2_buffer buf;
	struct v4l2_plane planes[VIDEO_MAX_PLANES] = {};
	prepare(buf, planes, type_, memory_, 0, numPlanes_);
	auto r = device_.ioctl(VIDIOC_DQBUF, &buf, "VIDIOC_DQBUF");
	if (!r) {
		if (r.error().code == EAGAIN)
			return std::optional<DequeuedBuffer>{};
		Error e{ r.error().code, r.error().message + " on " + bufferTypeName(type_) };
		/* EPIPE: the LAST buffer was already dequeued (end of a drain), not a failure. */
		if (e.code == EPIPE)
			DBK_LOG(V4l2, Debug, "%s", e.message.c_str());
		else
			DBK_LOG(V4l2, Error, "%s", e.message.c_str());
		return e;
	}
	DequeuedBuffer d = dequeuedFrom(buf, planes);
	DBK_LOG(V4l2, Trace, "%s: %s: dequeued buffer %u sequence %u, %u bytes, flags 0x%x",
		device_.label(), bufferTypeName(type_), d.index, d.sequence, d.totalBytesUsed(),
		d.flags);
	return std::optional<DequeuedBuffer>{ d };
}

Result<void> BufferQueue::streamOn()
{
	if (streaming_)
		return {};
	int type = static_cast<int>(type_);
	if (auto r = device_.ioctl(VIDIOC_STREAMON, &type, "VIDIOC_STREAMON"); !r) {
		Error e{ r.error().code, r.error().message + " on " + bufferTypeName(type_) };
		DBK_LOG(V4l2, Error, "%s", e.message.c_str());
		return e;
	}
	DBK_LOG(V4l2, Debug, "%s: %s: streaming, %u of %zu buffers queued", device_.label(),
		bufferTypeName(type_), queuedCount(), queued_.size());
	streaming_ = true;
	return {};
}

Result<void> BufferQueue::streamOff()
{
	int type = static_cast<int>(type_);
	auto r = device_.ioctl(VIDIOC_STREAMOFF, &type, "VIDIOC_STREAMOFF");
	if (!r)
		DBK_LOG(V4l2, Error, "%s on %s", r.error().message.c_str(), bufferTypeName(type_));
	else if (streaming_)
		DBK_LOG(V4l2, Debug, "%s: %s: stopped streaming", device_.label(),
			bufferTypeName(type_));
	streaming_ = false;
	for (auto &&q : queued_)
		q = false;
	return r;
}

unsigned BufferQueue::queuedCount() const
{
	unsigned n = 0;
	for (bool q : queued_)
		n += q;
	return n;
}

std::optional<unsigned> BufferQueue::freeIndex() const
{
	for (unsigned i = 0; i < queued_.size(); ++i)
		if (!queued_[i])
			return i;
	return std::nullopt;
}

std::vector<unsigned> BufferQueue::queuedBefore(unsigned index) const
{
	std::vector<unsigned> out;
	if (index >= queueOrder_.size())
		return out;
	for (unsigned i = 0; i < queued_.size(); ++i)
		if (queued_[i] && queueOrder_[i] < queueOrder_[index])
			out.push_back(i);
	std::sort(out.begin(), out.end(),
		  [this](unsigned a, unsigned b) { return queueOrder_[a] < queueOrder_[b]; });
	return out;
}

Result<std::optional<DequeuedBuffer>> BufferQueue::takeIfDone(unsigned index)
{
	if (!isQueued(index))
		return std::optional<DequeuedBuffer>{};
	struct v4l2_buffer buf;
	struct v4l2_plane planes[VIDEO_MAX_PLANES] = {};
	if (auto r = query(index, buf, planes); !r)
		return r.error();
	if (!(buf.flags & V4L2_BUF_FLAG_DONE))
		return std::optional<DequeuedBuffer>{};
	DequeuedBuffer d = dequeuedFrom(buf, planes);
	DBK_LOG(V4l2, Debug,
		"%s: %s: took buffer %u (sequence %u, %u bytes, flags 0x%x) through QUERYBUF: "
		"the driver finished it after the LAST buffer",
		device_.label(), bufferTypeName(type_), d.index, d.sequence, d.totalBytesUsed(),
		d.flags);
	return std::optional<DequeuedBuffer>{ d };
}

} /* namespace dmabufkit::v4l2 */

/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "frame_source.h"

#include <cerrno>
#include <utility>

#include "dmabufkit/base/log.h"

namespace dmabufkit::gstv4l2 {

ExportingFrameSource::ExportingFrameSource(std::shared_ptr<ExportingQueue> queue,
					   const GstVideoInfo &info, DbkAllocator *allocator)
	: queue_(std::move(queue)), info_(info), allocator_(allocator)
{
}

ExportingFrameSource::~ExportingFrameSource()
{
	stop();
}

Result<GstFlowReturn> ExportingFrameSource::refill(bool starting)
{
	/* Once streaming, buffers go back to the driver when downstream frees them. */
	if (starting) {
		if (auto r = queue_->queueAllFree(); !r)
			return r.error();
	}
	return GST_FLOW_OK;
}

Result<void> ExportingFrameSource::streamOn()
{
	return queue_->streamOn();
}

Result<std::optional<CapturedFrame>> ExportingFrameSource::dequeue()
{
	auto d = queue_->dequeue();
	if (!d)
		return d.error();
	if (!*d)
		return std::optional<CapturedFrame>{};
	return std::optional<CapturedFrame>{ CapturedFrame{ **d, nullptr } };
}

int ExportingFrameSource::starvedFd() const
{
	return queue_->queuedCount() == 0 ? queue_->releaseFd() : -1;
}

Result<void> ExportingFrameSource::drop(CapturedFrame &frame)
{
	return queue_->requeue(frame.info.index);
}

Result<GstBuffer *> ExportingFrameSource::deliver(CapturedFrame &frame)
{
	GstBuffer *buf = queue_->wrap(frame.info, allocator_);
	if (!buf)
		return Error{ EIO, "Cannot wrap an exported dma-buf" };
	addVideoMeta(buf, info_);
	return buf;
}

void ExportingFrameSource::stop()
{
	if (queue_)
		(void)queue_->stop();
}

ImportingFrameSource::ImportingFrameSource(std::unique_ptr<ImportingQueue> queue,
					   GstBufferPool *pool)
	: queue_(std::move(queue)), pool_(pool)
{
}

ImportingFrameSource::~ImportingFrameSource()
{
	stop();
}

Result<GstFlowReturn> ImportingFrameSource::refill(bool)
{
	/* Queue pool buffers until every V4L2 slot is taken or the pool is empty;
	 * wait for one only when the driver holds none. */
	while (queue_->hasFreeIndex()) {
		GstBufferPoolAcquireParams params = {};
		const bool wait = queue_->queuedCount() == 0;
		params.flags = wait ? GST_BUFFER_POOL_ACQUIRE_FLAG_NONE
				    : GST_BUFFER_POOL_ACQUIRE_FLAG_DONTWAIT;
		GstBuffer *buf = nullptr;
		GstFlowReturn ret = gst_buffer_pool_acquire_buffer(pool_, &buf, &params);
		if (ret == GST_FLOW_EOS)
			break; /* DONTWAIT: none free now */
		if (ret != GST_FLOW_OK)
			return ret;
		auto r = queue_->queue(buf, 0);
		gst_buffer_unref(buf);
		if (!r)
			return r.error();
	}
	return GST_FLOW_OK;
}

Result<void> ImportingFrameSource::streamOn()
{
	return queue_->streamOn();
}

Result<std::optional<CapturedFrame>> ImportingFrameSource::dequeue()
{
	auto d = queue_->dequeue();
	if (!d)
		return d.error();
	if (!*d)
		return std::optional<CapturedFrame>{};
	return std::optional<CapturedFrame>{ CapturedFrame{ (*d)->first, (*d)->second } };
}

Result<void> ImportingFrameSource::drop(CapturedFrame &frame)
{
	/* The pool buffer goes back to the pool; the next refill queues it again. */
	if (frame.buffer)
		gst_buffer_unref(std::exchange(frame.buffer, nullptr));
	return {};
}

Result<GstBuffer *> ImportingFrameSource::deliver(CapturedFrame &frame)
{
	if (!frame.buffer) {
		DBK_LOG(V4l2, Error,
			"%s: the driver returned index %u, which holds no buffer of ours",
			queue_->device().label(), frame.info.index);
		return Error{ ENOENT, "The driver returned an unknown buffer" };
	}
	return gst_buffer_make_writable(std::exchange(frame.buffer, nullptr));
}

void ImportingFrameSource::stop()
{
	if (queue_)
		(void)queue_->release();
}

} /* namespace dmabufkit::gstv4l2 */

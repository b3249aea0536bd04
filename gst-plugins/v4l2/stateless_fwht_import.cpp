/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Import mode of StatelessFwhtStream: the decoder writes into downstream's
 * dma-bufs (V4L2_MEMORY_DMABUF on CAPTURE) taken from the pool negotiation
 * gave, instead of exporting its own buffers.
 */
#include <cerrno>
#include <unistd.h>

#include "dmabufkit/base/log.h"
#include "stateless_fwht_stream.h"

namespace dmabufkit::gstv4l2 {

namespace {

/* V4L2 indices for imported buffers: more than any pool holds, so the index
 * of the held reference is never handed to another dma-buf (vicodec finds
 * the reference by timestamp among the queue's buffers). */
constexpr unsigned kImportSlots = 32;

/* Why \a buf's layout is not the driver's \a info, or nullopt when it is. */
std::optional<std::string> layoutMismatch(GstBuffer *buf, const GstVideoInfo &info)
{
	GstVideoMeta *meta = gst_buffer_get_video_meta(buf);
	if (!meta)
		return std::nullopt; /* the pool's caps layout: the one negotiated from info */
	for (guint p = 0; p < GST_VIDEO_INFO_N_PLANES(&info); ++p) {
		if (meta->stride[p] != GST_VIDEO_INFO_PLANE_STRIDE(&info, p) ||
		    meta->offset[p] != GST_VIDEO_INFO_PLANE_OFFSET(&info, p))
			return "plane " + std::to_string(p) + " has stride " +
			       std::to_string(meta->stride[p]) + " at offset " +
			       std::to_string(meta->offset[p]) + "; the decoder writes stride " +
			       std::to_string(GST_VIDEO_INFO_PLANE_STRIDE(&info, p)) +
			       " at offset " +
			       std::to_string(GST_VIDEO_INFO_PLANE_OFFSET(&info, p));
	}
	return std::nullopt;
}

} /* namespace */

std::optional<std::string> StatelessFwhtStream::setupImport(GstBufferPool *pool,
							    const v4l2::DeviceFormat &fmt)
{
	if (!gst_buffer_pool_is_active(pool) && !gst_buffer_pool_set_active(pool, TRUE)) {
		gst_object_unref(pool);
		return std::string("downstream's buffer pool cannot be activated");
	}
	auto q = std::make_unique<ImportingQueue>(session_.device(),
						  session_.device().captureType());
	if (auto n = q->allocate(kImportSlots); !n) {
		gst_object_unref(pool);
		return "REQBUFS DMABUF on CAPTURE failed: " + n.error().message;
	}
	GstBuffer *probe = nullptr;
	if (gst_buffer_pool_acquire_buffer(pool, &probe, nullptr) != GST_FLOW_OK || !probe) {
		(void)q->release();
		gst_object_unref(pool);
		return std::string("no buffer could be taken from downstream's pool");
	}
	auto why = q->whyNotImportable(probe, fmt.planes[0].sizeImage);
	if (!why)
		why = layoutMismatch(probe, videoInfo);
	gst_buffer_unref(probe);
	if (why) {
		(void)q->release();
		gst_object_unref(pool);
		return why;
	}
	if (auto r = q->streamOn(); !r) {
		(void)q->release();
		gst_object_unref(pool);
		return "STREAMON on CAPTURE failed: " + r.error().message;
	}
	imported_ = std::move(q);
	pool_ = pool;
	DBK_LOG(V4l2, Info, "%s: %s: CAPTURE imports downstream's dma-bufs (%u indices)",
		name_.c_str(), session_.device().label(), kImportSlots);
	return std::nullopt;
}

/* One buffer of downstream's pool queued, waiting for one when all are out. */
Result<void> StatelessFwhtStream::queueImportBuffer()
{
	if (imported_->queuedCount() > 0)
		return {};
	GstBufferPoolAcquireParams params = {};
	params.flags = GST_BUFFER_POOL_ACQUIRE_FLAG_DONTWAIT;
	for (;;) {
		GstBuffer *buf = nullptr;
		GstFlowReturn ret = gst_buffer_pool_acquire_buffer(pool_, &buf, &params);
		if (ret == GST_FLOW_OK) {
			auto r = imported_->queue(buf, 0, 0);
			gst_buffer_unref(buf); /* the queue holds its own reference */
			return r;
		}
		if (ret != GST_FLOW_EOS) /* EOS: none free right now */
			return Error{ EPIPE,
				      name_ + ": downstream's pool is " + gst_flow_get_name(ret) };
		if (flushing && flushing())
			return Error{ EPIPE, name_ + ": flushing while waiting for a buffer of "
						     "downstream's pool" };
		usleep(2000);
	}
}

Result<void> StatelessFwhtStream::dequeueImported(const Pending &p)
{
	auto d = imported_->dequeue();
	if (!d)
		return d.error();
	if (!*d)
		return Error{ EIO, std::string(session_.device().label()) + ": request for frame " +
					   std::to_string(p.frameNumber) +
					   " completed but no CAPTURE buffer came back" };
	auto [b, buf] = **d;
	if (!buf)
		return Error{ EIO, std::string(session_.device().label()) +
					   ": an imported CAPTURE buffer came back unknown" };
	if (b.hasError()) {
		corruptFrames++;
		DBK_LOG(V4l2, Warning, "%s: %s: driver flagged frame %u as an error", name_.c_str(),
			session_.device().label(), p.frameNumber);
		if (p.timestampNs == lastTs_)
			haveReference_ = false;
		gst_buffer_unref(buf); /* back to downstream's pool */
		return ready_(p.frameNumber, nullptr, b);
	}
	if (!gst_buffer_get_video_meta(buf))
		addVideoMeta(buf, videoInfo);
	dropReference();
	reference_ = gst_buffer_ref(buf);
	referenceTs_ = b.timestampNs;
	importedFrames++;
	return ready_(p.frameNumber, buf, b);
}

} /* namespace dmabufkit::gstv4l2 */

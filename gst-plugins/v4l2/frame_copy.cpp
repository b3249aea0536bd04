/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "frame_copy.h"

namespace dmabufkit::gstv4l2 {

std::optional<std::string> layoutMismatch(GstBuffer *buf, const GstVideoInfo &in,
					  const GstVideoInfo &dev)
{
	GstVideoMeta *meta = gst_buffer_get_video_meta(buf);
	for (guint p = 0; p < GST_VIDEO_INFO_N_PLANES(&dev); ++p) {
		gint stride = meta ? meta->stride[p] : in.stride[p];
		gsize offset = meta ? meta->offset[p] : in.offset[p];
		if (stride != dev.stride[p] || offset != dev.offset[p])
			return "plane " + std::to_string(p) + " has stride " +
			       std::to_string(stride) + " at offset " + std::to_string(offset) +
			       ", the device reads stride " + std::to_string(dev.stride[p]) +
			       " at offset " + std::to_string(dev.offset[p]);
	}
	return std::nullopt;
}

GstBuffer *copyFrame(GstBufferPool *pool, GstBuffer *in, const GstVideoInfo &inInfo,
		     const GstVideoInfo &devInfo)
{
	GstBuffer *out = nullptr;
	if (gst_buffer_pool_acquire_buffer(pool, &out, nullptr) != GST_FLOW_OK)
		return nullptr;
	GstVideoFrame src, dst;
	if (!gst_video_frame_map(&src, &inInfo, in, GST_MAP_READ)) {
		gst_buffer_unref(out);
		return nullptr;
	}
	if (!gst_video_frame_map(&dst, &devInfo, out, GST_MAP_WRITE)) {
		gst_video_frame_unmap(&src);
		gst_buffer_unref(out);
		return nullptr;
	}
	const gboolean ok = gst_video_frame_copy(&dst, &src);
	gst_video_frame_unmap(&dst);
	gst_video_frame_unmap(&src);
	if (!ok) {
		gst_buffer_unref(out);
		return nullptr;
	}
	return out;
}

} /* namespace dmabufkit::gstv4l2 */

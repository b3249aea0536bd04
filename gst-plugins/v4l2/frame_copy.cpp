/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "frame_copy.h"

#include <cerrno>

#include "fence_gate.h"

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

Result<GstBufferPool *> newCopyPool(DbkAllocator *allocator, const GstVideoInfo &devInfo,
				    DbkConstraints constraints, const char *namePrefix)
{
	constraints.cpu_mappable = TRUE;
	GstBufferPool *pool = dbk_buffer_pool_new(allocator);
	GstStructure *config = gst_buffer_pool_get_config(pool);
	GstCaps *caps = gst_video_info_to_caps(&devInfo);
	gst_buffer_pool_config_set_params(config, caps, static_cast<guint>(devInfo.size), 2, 0);
	gst_caps_unref(caps);
	gst_buffer_pool_config_add_option(config, GST_BUFFER_POOL_OPTION_VIDEO_META);
	dbk_buffer_pool_config_set_constraints(config, &constraints);
	dbk_buffer_pool_config_set_name_prefix(config, namePrefix);
	if (!gst_buffer_pool_set_config(pool, config) || !gst_buffer_pool_set_active(pool, TRUE)) {
		Error e{ ENOMEM, std::string("cannot allocate dma-bufs to copy frames into: ") +
					 dbk_buffer_pool_get_error(DBK_BUFFER_POOL(pool)) };
		gst_object_unref(pool);
		return e;
	}
	return pool;
}

Result<GstBuffer *> copyFrame(GstBufferPool *pool, GstBuffer *in, const GstVideoInfo &inInfo,
			      const GstVideoInfo &devInfo, gint fenceTimeoutMs)
{
	auto target = acquireCopyTarget(pool, in, fenceTimeoutMs, "the frame to copy",
					"the dma-buf to copy the frame into");
	if (!target)
		return target.error();
	GstBuffer *out = *target;
	GstVideoFrame src, dst;
	if (!gst_video_frame_map(&src, &inInfo, in, GST_MAP_READ)) {
		gst_buffer_unref(out);
		return Error{ EIO, "cannot map the frame to copy for reading" };
	}
	if (!gst_video_frame_map(&dst, &devInfo, out, GST_MAP_WRITE)) {
		gst_video_frame_unmap(&src);
		gst_buffer_unref(out);
		return Error{ EIO, "cannot map the copy's dma-buf for writing" };
	}
	const gboolean ok = gst_video_frame_copy(&dst, &src);
	gst_video_frame_unmap(&dst);
	gst_video_frame_unmap(&src);
	if (!ok) {
		gst_buffer_unref(out);
		return Error{ EIO, "gst_video_frame_copy failed" };
	}
	return out;
}

} /* namespace dmabufkit::gstv4l2 */

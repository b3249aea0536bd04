/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "frame_copier.h"

#include <cerrno>

namespace dmabufkit::gstv4l2 {

FrameCopier::FrameCopier(GstElement *owner, DbkAllocator *allocator)
	: owner_(owner), allocator_(allocator)
{
}

FrameCopier::~FrameCopier()
{
	reset();
}

void FrameCopier::reset()
{
	if (!pool_)
		return;
	gst_buffer_pool_set_active(pool_, FALSE);
	gst_object_unref(pool_);
	pool_ = nullptr;
}

Result<void> FrameCopier::ensurePool(const GstVideoInfo &devInfo)
{
	if (pool_)
		return {};
	DbkConstraints c;
	dbk_constraints_init(&c, GST_OBJECT_NAME(owner_));
	c.packed_stride = TRUE;
	c.memory_layout = DBK_MEMORY_LAYOUT_SINGLE;
	c.cpu_mappable = TRUE;
	pool_ = dbk_buffer_pool_new(allocator_);
	GstStructure *config = gst_buffer_pool_get_config(pool_);
	GstCaps *caps = gst_video_info_to_caps(&devInfo);
	gst_buffer_pool_config_set_params(config, caps, static_cast<guint>(devInfo.size), 2, 0);
	gst_caps_unref(caps);
	gst_buffer_pool_config_add_option(config, GST_BUFFER_POOL_OPTION_VIDEO_META);
	dbk_buffer_pool_config_set_constraints(config, &c);
	dbk_buffer_pool_config_set_name_prefix(config, GST_OBJECT_NAME(owner_));
	if (!gst_buffer_pool_set_config(pool_, config) ||
	    !gst_buffer_pool_set_active(pool_, TRUE)) {
		Error e{ ENOMEM, std::string("cannot allocate dma-bufs to copy frames into: ") +
					 dbk_buffer_pool_get_error(DBK_BUFFER_POOL(pool_)) };
		reset();
		return e;
	}
	return {};
}

Result<GstBuffer *> FrameCopier::copy(GstBuffer *in, const GstVideoInfo &inInfo,
				      const GstVideoInfo &devInfo)
{
	if (auto r = ensurePool(devInfo); !r)
		return r.error();
	GstBuffer *out = copyFrame(pool_, in, inInfo, devInfo);
	if (!out)
		return Error{ EIO, "cannot copy the frame into a dma-buf of the copy pool "
				   "(no free buffer, or mapping either frame failed)" };
	return out;
}

} /* namespace dmabufkit::gstv4l2 */

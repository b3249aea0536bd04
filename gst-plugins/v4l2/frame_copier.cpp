/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "frame_copier.h"

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
	auto pool = newCopyPool(allocator_, devInfo, c, GST_OBJECT_NAME(owner_));
	if (!pool)
		return pool.error();
	pool_ = *pool;
	return {};
}

Result<GstBuffer *> FrameCopier::copy(GstBuffer *in, const GstVideoInfo &inInfo,
				      const GstVideoInfo &devInfo, gint fenceTimeoutMs)
{
	if (auto r = ensurePool(devInfo); !r)
		return r.error();
	return copyFrame(pool_, in, inInfo, devInfo, fenceTimeoutMs);
}

} /* namespace dmabufkit::gstv4l2 */

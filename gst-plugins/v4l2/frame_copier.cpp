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
	auto pool = newCopyPool(allocator_, devInfo, c, GST_OBJECT_NAME(owner_));
	if (!pool)
		return pool.error();
	pool_ = *pool;
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

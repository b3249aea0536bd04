/* SPDX-License-Identifier: LGPL-2.1-or-later */
/**
 * \file frame_copier.h
 * \brief The copy fallback of an element whose device imports frames: a
 *        frame that cannot be imported as it is (system memory, another
 *        stride) is copied (frame_copy.h) into a dma-buf of its own pool laid
 *        out as the device reads.
 */
#pragma once

#include <optional>
#include <string>

#include <dmabufkit/dmabufkit.h>
#include <gst/gst.h>
#include <gst/video/video.h>

#include "dmabufkit/base/result.h"
#include "frame_copy.h"

namespace dmabufkit::gstv4l2 {

class FrameCopier
{
public:
	/** \param owner names the dma-bufs; \a allocator allocates them (neither owned) */
	FrameCopier(GstElement *owner, DbkAllocator *allocator);
	~FrameCopier();
	FrameCopier(const FrameCopier &) = delete;
	FrameCopier &operator=(const FrameCopier &) = delete;

	/**
	 * \brief \a in (laid out as \a inInfo) copied into a new dma-buf laid out as
	 *        \a devInfo, after a wait of at most \a fenceTimeoutMs for the fences
	 *        of both (ETIMEDOUT past it: see copyFrame()).
	 */
	Result<GstBuffer *> copy(GstBuffer *in, const GstVideoInfo &inInfo,
				 const GstVideoInfo &devInfo, gint fenceTimeoutMs);
	/** \brief Drop the pool (after a format change). */
	void reset();

private:
	Result<void> ensurePool(const GstVideoInfo &devInfo);

	GstElement *owner_;
	DbkAllocator *allocator_;
	GstBufferPool *pool_ = nullptr;
};

} /* namespace dmabufkit::gstv4l2 */

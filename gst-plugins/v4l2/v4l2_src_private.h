/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * dmabufv4l2src's instance state and property ids, shared by the element
 * (gstdmabufv4l2src.cpp) and its properties (v4l2_src_properties.cpp).
 */
#pragma once

#include <atomic>
#include <memory>
#include <optional>
#include <string>

#include <dmabufkit/dmabufkit.h>
#include <gst/video/video.h>

#include "dmabufkit/base/unique_fd.h"
#include "dmabufkit/core/import_probe.h"
#include "dmabufkit/v4l2/video_device.h"
#include "frame_source.h"
#include "gstdmabufv4l2src.h"
#include "io_mode_choice.h"
#include "sequence_gaps.h"

namespace dmabufkit::gstv4l2 {

/* The element's state; the GObject points at it. */
struct SrcState {
	/* properties */
	std::string device;
	GstDmabufV4l2IoMode ioMode = GST_DMABUF_V4L2_IO_MODE_AUTO;
	guint timeoutMs = 2000;
	guint numV4l2Buffers = 4;
	std::string exporter = "auto";

	std::unique_ptr<v4l2::VideoDevice> dev;
	GstCaps *probed = nullptr;
	GstCaps *configuredCaps = nullptr;
	v4l2::DeviceFormat fmt;
	GstVideoInfo info{};
	GstClockTime duration = GST_CLOCK_TIME_NONE;

	GstDmabufV4l2IoMode active = GST_DMABUF_V4L2_IO_MODE_EXPORT;
	bool everActive = false;
	std::unique_ptr<FrameSource> source; /* export or import, set up by decide_allocation */
	GstBufferPool *pool = nullptr;	     /* import mode: where the dma-bufs come from */
	bool poolIsDownstream = false;
	DbkAllocator *allocator = nullptr;
	UniqueFD wake;
	bool streaming = false;
	/* What the capture queue can import (learnt once per device) and the
	 * allocation decision it led to, for the allocation-decision property. */
	std::optional<ImportCapability> capability;
	std::string decision;

	std::atomic<guint64> frames{ 0 };
	std::atomic<guint64> errorFrames{ 0 };
	/* Frames the device skipped: observed by the streaming thread, read by the properties. */
	SequenceGaps gaps;
	guint64 cacheHits = 0, cacheMisses = 0;
};

} /* namespace dmabufkit::gstv4l2 */

struct _GstDmabufV4l2Src {
	GstPushSrc parent;
	dmabufkit::gstv4l2::SrcState *state;
};

enum V4l2SrcProperty {
	PROP_0,
	PROP_DEVICE,
	PROP_IO_MODE,
	PROP_TIMEOUT_MS,
	PROP_NUM_V4L2_BUFFERS,
	PROP_ACTIVE_IO_MODE,
	PROP_ERROR_FRAMES,
	PROP_INDEX_CACHE_HITS,
	PROP_INDEX_CACHE_MISSES,
	PROP_EXPORTER,
	PROP_ALLOCATION_DECISION,
	PROP_POOL_STATS,
	PROP_FRAMES_LOST,
	PROP_FRAMES_LOST_STARVED,
};

/* Installs every property on the class. */
void v4l2_src_install_properties(GObjectClass *oc);
void v4l2_src_set_property(GObject *object, guint id, const GValue *value, GParamSpec *pspec);
void v4l2_src_get_property(GObject *object, guint id, GValue *value, GParamSpec *pspec);
/* The io-mode logic's value for a value of the io-mode property. */
dmabufkit::gstv4l2::IoMode v4l2_src_io_mode(GstDmabufV4l2IoMode m);

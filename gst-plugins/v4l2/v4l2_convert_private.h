/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * dmabufv4l2convert's instance state and property ids, shared by the
 * element (gstdmabufv4l2convert.cpp), its allocation (v4l2_convert_allocation.cpp)
 * and its properties (v4l2_convert_properties.cpp).
 */
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include <dmabufkit/dmabufkit.h>
#include <gst/base/gstbasetransform.h>
#include <gst/video/video.h>

#include "convert_stream.h"
#include "convert_task.h"
#include "device_latency.h"
#include "dmabufkit/core/import_probe.h"
#include "dmabufkit/v4l2/video_device.h"
#include "frame_copier.h"
#include "gstdmabufv4l2src.h" /* GstDmabufV4l2IoMode */

G_BEGIN_DECLS
#define GST_TYPE_DMABUF_V4L2_CONVERT (gst_dmabuf_v4l2_convert_get_type())
G_DECLARE_FINAL_TYPE(GstDmabufV4l2Convert, gst_dmabuf_v4l2_convert, GST, DMABUF_V4L2_CONVERT,
		     GstBaseTransform)
G_END_DECLS

namespace dmabufkit::gstv4l2 {

/* What the element counts (the stats property and the uint64 counters). */
struct ConvertCounters {
	std::atomic<guint64> converted{ 0 };   /* frames through the device */
	std::atomic<guint64> passthrough{ 0 }; /* frames pushed untouched */
	std::atomic<guint64> imported{ 0 };    /* OUTPUT: upstream dma-bufs queued as they are */
	std::atomic<guint64> copies{ 0 };      /* OUTPUT: frames copied first */
	guint64 outputHits = 0, outputMisses = 0, captureHits = 0, captureMisses = 0;
};

/* The element's state; the GObject points at it. */
struct ConvertState {
	/* properties */
	std::string device;
	GstDmabufV4l2IoMode captureIoMode = GST_DMABUF_V4L2_IO_MODE_AUTO;
	guint timeoutMs = 2000;
	guint captureBuffers = 4;
	bool forceCopy = false;
	GstStructure *extraControls = nullptr;
	std::atomic<gint> fenceTimeoutMs{ DBK_FENCE_TIMEOUT_DEFAULT_MS };

	std::unique_ptr<v4l2::VideoDevice> dev;
	std::string deviceUsed;
	GstCaps *deviceIn = nullptr;  /* what the OUTPUT queue reads */
	GstCaps *deviceOut = nullptr; /* what the CAPTURE queue writes */
	DbkAllocator *allocator = nullptr;
	std::unique_ptr<FrameCopier> copier;
	bool warnedCopy = false;

	/* negotiated */
	GstVideoInfo inInfo{}, outInfo{};	/* caps */
	GstVideoInfo devInInfo{}, devOutInfo{}; /* the layouts the device reads and writes */
	v4l2::DeviceFormat inFmt, outFmt;
	bool configured = false;
	bool setCapsCalled = false; /* by the CAPS event being handled */

	/* CAPTURE side, chosen by decide_allocation */
	GstBufferPool *capturePool = nullptr; /* import mode */
	guint downstreamMin = 0;
	std::string captureDecision;
	/* Set with setStream(), ended with stopStream(): stats() reads it from
	 * any thread under streamLifetime. */
	std::unique_ptr<ConvertStream> stream;
	mutable std::mutex streamLifetime;
	/* Collects and pushes the converted frames (created with the element). */
	std::unique_ptr<ConvertTask> task;
	uint32_t nextFrame = 0;

	ConvertCounters counters;
	/* What the device adds to latency, reported in the LATENCY query. */
	DeviceLatency latency;

	/* End streaming: stop the task, drop frames in the device (counts of
	 * the index caches kept). */
	void stopStream();
	void setStream(std::unique_ptr<ConvertStream> s);
	/* stopStream() and drop the capture pool. */
	void dropCapture();
	/* The stats structure (transfer full). */
	GstStructure *stats() const;
};

} /* namespace dmabufkit::gstv4l2 */

struct _GstDmabufV4l2Convert {
	GstBaseTransform parent;
	dmabufkit::gstv4l2::ConvertState *state;
};

enum V4l2ConvertProperty {
	PROP_CONVERT_0,
	PROP_CONVERT_DEVICE,
	PROP_CONVERT_CAPTURE_IO_MODE,
	PROP_CONVERT_TIMEOUT_MS,
	PROP_CONVERT_CAPTURE_BUFFERS,
	PROP_CONVERT_FORCE_COPY,
	PROP_CONVERT_EXTRA_CONTROLS,
	PROP_CONVERT_DEVICE_USED,
	PROP_CONVERT_CAPTURE_DECISION,
	PROP_CONVERT_CONVERTED,
	PROP_CONVERT_PASSTHROUGH,
	PROP_CONVERT_IMPORTED,
	PROP_CONVERT_COPIES,
	PROP_CONVERT_STATS,
	PROP_CONVERT_DEVICE_LATENCY,
	PROP_CONVERT_FENCE_TIMEOUT,
};

void v4l2_convert_install_properties(GObjectClass *oc);
void v4l2_convert_set_property(GObject *object, guint id, const GValue *value, GParamSpec *pspec);
void v4l2_convert_get_property(GObject *object, guint id, GValue *value, GParamSpec *pspec);

/* Post \a e as the element error its errno calls for, \a what saying which step failed. */
void v4l2_convert_post_device_error(GstDmabufV4l2Convert *self, const dmabufkit::Error &e,
				    const char *what);
/* start: find and open the converter, apply extra-controls, probe both queues. */
gboolean v4l2_convert_start(GstBaseTransform *trans);
/* stop: free every queue and pool and close the device. */
gboolean v4l2_convert_stop(GstBaseTransform *trans);

/* decide_allocation: how the CAPTURE side gets its buffers (export or a pool to import into). */
gboolean v4l2_convert_decide_allocation(GstBaseTransform *trans, GstQuery *query);
/* propose_allocation: what the OUTPUT side imports, stated upstream. */
gboolean v4l2_convert_propose_allocation(GstBaseTransform *trans, GstQuery *decide,
					 GstQuery *query);
/* The CAPTURE FrameSource decide_allocation chose, ready for ConvertStream::setupCapture. */
dmabufkit::Result<std::unique_ptr<dmabufkit::gstv4l2::FrameSource>>
v4l2_convert_capture_source(GstDmabufV4l2Convert *self);

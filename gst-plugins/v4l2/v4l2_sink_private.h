/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * dmabufv4l2sink's instance state and property ids, shared by the element
 * (gstdmabufv4l2sink.cpp), its properties (v4l2_sink_properties.cpp), its
 * streaming side (v4l2_sink_streaming.cpp) and its allocation side
 * (v4l2_sink_allocation.cpp).
 */
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include <dmabufkit/dmabufkit.h>
#include <gst/video/gstvideosink.h>
#include <gst/video/video.h>

#include "dmabufkit/base/unique_fd.h"
#include "dmabufkit/core/import_probe.h"
#include "dmabufkit/v4l2/output_queue.h"
#include "dmabufkit/v4l2/video_device.h"
#include "frame_sink.h"

G_BEGIN_DECLS

#define GST_TYPE_DMABUF_V4L2_SINK (gst_dmabuf_v4l2_sink_get_type())
G_DECLARE_FINAL_TYPE(GstDmabufV4l2Sink, gst_dmabuf_v4l2_sink, GST, DMABUF_V4L2_SINK, GstVideoSink)

/**
 * GstDmabufV4l2SinkIoMode:
 * @GST_DMABUF_V4L2_SINK_IO_MODE_AUTO: decided by the first frame: the sink's
 *   own buffers (export), else upstream's dma-bufs (import), else a copy
 * @GST_DMABUF_V4L2_SINK_IO_MODE_EXPORT: offer the device's MMAP buffers,
 *   exported as dma-bufs, as upstream's pool; other frames are copied into them
 * @GST_DMABUF_V4L2_SINK_IO_MODE_IMPORT: queue upstream's dma-bufs
 *   (V4L2_MEMORY_DMABUF); other frames are copied into dma-bufs the device imports
 */
typedef enum {
	GST_DMABUF_V4L2_SINK_IO_MODE_AUTO,
	GST_DMABUF_V4L2_SINK_IO_MODE_EXPORT,
	GST_DMABUF_V4L2_SINK_IO_MODE_IMPORT,
} GstDmabufV4l2SinkIoMode;

GType gst_dmabuf_v4l2_sink_io_mode_get_type(void);
#define GST_TYPE_DMABUF_V4L2_SINK_IO_MODE (gst_dmabuf_v4l2_sink_io_mode_get_type())

G_END_DECLS

namespace dmabufkit::gstv4l2 {

/* The element's state; the GObject points at it. */
struct SinkState {
	/* properties */
	std::string device;	/* empty: found by deviceName, else the first output node */
	std::string deviceName; /* sysfs name, e.g. vivid-000-vid-out */
	GstDmabufV4l2SinkIoMode ioMode = GST_DMABUF_V4L2_SINK_IO_MODE_AUTO;
	guint timeoutMs = 2000;
	guint numBuffers = 6;
	bool forceCopy = false;
	std::atomic<gint> fenceTimeoutMs{ DBK_FENCE_TIMEOUT_DEFAULT_MS };

	std::unique_ptr<v4l2::VideoDevice> dev;
	GstCaps *probed = nullptr;
	GstCaps *configuredCaps = nullptr;
	v4l2::DeviceFormat fmt;
	GstVideoInfo info{};	/* upstream's caps */
	GstVideoInfo devInfo{}; /* the layout the device reads */
	std::optional<ImportCapability> capability;
	DbkAllocator *allocator = nullptr;
	UniqueFD wake; /* unlock() makes it readable: ends waits on the device */

	/* Export side, made for the ALLOCATION query before the first frame. */
	std::unique_ptr<v4l2::ExportedOutputQueue> exportQueue;
	GstBufferPool *exportPool = nullptr;
	GstBufferPool *copyPool = nullptr; /* import mode: dma-bufs to copy frames into */
	std::unique_ptr<FrameSink> sink;   /* set up by the first frame */
	bool warnedCopy = false;
	GstBuffer *prerolled = nullptr; /* not owned: the preroll frame shown, until rendered */
	GstClockTime prerolledPts = GST_CLOCK_TIME_NONE;

	mutable std::mutex lock; /* the strings below, read by property getters */
	std::string activeMode = "none";
	std::string copyReason;
	std::string deviceUsed;
	std::string decision;

	std::atomic<guint64> frames{ 0 };
	std::atomic<guint64> copies{ 0 };
	std::atomic<guint64> imported{ 0 };
	std::atomic<guint64> ownBuffers{ 0 };
	std::atomic<guint64> prerollRepeats{ 0 };
	guint64 cacheHits = 0, cacheMisses = 0; /* of index caches already gone */

	void setString(std::string &field, const std::string &v)
	{
		std::lock_guard<std::mutex> g(lock);
		field = v;
	}
	std::string getString(const std::string &field) const
	{
		std::lock_guard<std::mutex> g(lock);
		return field;
	}
};

} /* namespace dmabufkit::gstv4l2 */

struct _GstDmabufV4l2Sink {
	GstVideoSink parent;
	dmabufkit::gstv4l2::SinkState *state;
};

enum V4l2SinkProperty {
	PROP_SINK_0,
	PROP_SINK_DEVICE,
	PROP_SINK_DEVICE_NAME,
	PROP_SINK_IO_MODE,
	PROP_SINK_TIMEOUT_MS,
	PROP_SINK_NUM_BUFFERS,
	PROP_SINK_FORCE_COPY,
	PROP_SINK_DEVICE_USED,
	PROP_SINK_ACTIVE_IO_MODE,
	PROP_SINK_FRAMES,
	PROP_SINK_COPIES,
	PROP_SINK_COPY_REASON,
	PROP_SINK_IMPORTED,
	PROP_SINK_OWN_BUFFERS,
	PROP_SINK_CACHE_HITS,
	PROP_SINK_CACHE_MISSES,
	PROP_SINK_ALLOCATION_DECISION,
	PROP_SINK_FENCE_TIMEOUT,
};

void v4l2_sink_install_properties(GObjectClass *oc);
void v4l2_sink_set_property(GObject *object, guint id, const GValue *value, GParamSpec *pspec);
void v4l2_sink_get_property(GObject *object, guint id, GValue *value, GParamSpec *pspec);

/* Streaming side (v4l2_sink_streaming.cpp). */
/* Post the element error for a device failure \a e while doing \a what. */
void v4l2_sink_post_device_error(GstDmabufV4l2Sink *self, const dmabufkit::Error &e,
				 const char *what);
/* Wait until the device gave back every queued frame but the last. */
dmabufkit::Result<void> v4l2_sink_drain(GstDmabufV4l2Sink *self);
/* GstVideoSink::show_frame. */
GstFlowReturn v4l2_sink_show_frame(GstVideoSink *vsink, GstBuffer *buf);

/* Allocation side (v4l2_sink_allocation.cpp). */
/* Answer upstream's ALLOCATION query: constraints, and the pool of the mode. */
gboolean v4l2_sink_propose_allocation(GstDmabufV4l2Sink *self, GstQuery *query);
/* Free the export queue and pools offered upstream (the device stays open). */
void v4l2_sink_release_allocation(GstDmabufV4l2Sink *self);
/* The buffer to queue for \a in: a ref of it, or a copy (counted, warned once);
 * ETIMEDOUT when a fence wait before the copy passed fence-timeout, ENOMEM
 * when the copy pool cannot be made. Posts no error: the caller posts one. */
dmabufkit::Result<GstBuffer *> v4l2_sink_prepare_frame(GstDmabufV4l2Sink *self, GstBuffer *in);
/* Set up the OUTPUT queue of the mode the first frame \a first decides. */
dmabufkit::Result<void> v4l2_sink_setup_output(GstDmabufV4l2Sink *self, GstBuffer *first);

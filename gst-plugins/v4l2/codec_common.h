/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What the encoder and decoder elements share: finding a device by codec,
 * their common settings, counters and properties. */
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include <dmabufkit/dbk_fence_wait.h>
#include <gst/gst.h>
#include <gst/video/video-info.h>

#include "dmabufkit/v4l2/device_finder.h"
#include "dmabufkit/v4l2/video_device.h"
#include "capture_task.h"
#include "device_latency.h"
#include "m2m_stream.h"

namespace dmabufkit::gstv4l2 {

/**
 * \brief The first memory-to-memory node whose CAPTURE (encoder) or OUTPUT
 * (decoder) queue offers a codec of \a codecCaps.
 * \param codecFourcc set to the codec chosen
 */
Result<v4l2::VideoNodeInfo> findCodecDevice(GstCaps *codecCaps, bool encoder, uint32_t rawFourcc,
					    uint32_t *codecFourcc);

/** \brief Minimum buffers the driver wants on a queue (V4L2_CID_MIN_BUFFERS_FOR_*), or \a fallback.
 */
unsigned minBuffers(const v4l2::VideoDevice &dev, bool capture, unsigned fallback);

/**
 * \brief The buffers downstream keeps, from an ALLOCATION query: the largest
 * min_buffers of its pools (0 when none). A CAPTURE queue whose buffers go
 * downstream adds them to its own count, as stock v4l2 elements do, or the
 * device waits for buffers downstream holds.
 */
unsigned downstreamMinBuffers(GstQuery *query);

/**
 * \brief The input buffers a decoder asks upstream to provide beyond those
 * it holds: one being decoded, one queued behind it, and the driver's
 * minimum for OUTPUT (V4L2_CID_MIN_BUFFERS_FOR_OUTPUT).
 */
unsigned decoderInputBuffers(const v4l2::VideoDevice &dev);

/* Post the RESOURCE error for a codec node that cannot be opened, by errno:
 * NOT_FOUND (missing, disconnected), BUSY, else OPEN_READ_WRITE; the message
 * names the node and what to do, the debug text the call and errno. */
void postCodecOpenError(GstElement *element, const char *role, const std::string &path,
			const Error &e);

/** \brief OUTPUT queue slots (V4L2_MEMORY_DMABUF indices) of the codec elements. */
constexpr unsigned kOutputSlots = 8;

/**
 * \brief The latency of holding \a frames frames of the stream \a info
 * describes, or 0 when it has no frame rate.
 *
 * The most a codec element holds is its OUTPUT queue's depth, when the
 * driver falls behind; its minimum is the device's own processing time,
 * measured (CodecElementState::updateLatency).
 */
GstClockTime framesLatency(const GstVideoInfo &info, unsigned frames);

/**
 * \brief Lets go of \a frame's input data once the device holds it.
 *
 * The base class keeps a frame's input buffer until the frame is finished,
 * after its output went through everything downstream. Upstream's buffer
 * would stay out of its pool that long (a live source runs dry), and a
 * decoder's bitstream buffer out of the encoder that made it. What the base
 * class still needs (flags, timestamps, metas) stays on an empty buffer.
 */
void releaseFrameInput(GstVideoCodecFrame *frame);

/** \brief Property ids both codec elements have; each element's own follow PROP_CODEC_N. */
enum CodecProperty : guint {
	PROP_CODEC_0,
	PROP_DEVICE,
	PROP_TIMEOUT_MS,
	PROP_COPIES,
	PROP_IMPORTED,
	PROP_CACHE_HITS,
	PROP_CACHE_MISSES,
	PROP_DEVICE_USED,
	PROP_DEVICE_LATENCY,
	PROP_FENCE_TIMEOUT,
	PROP_CODEC_N
};

/** \brief Install the properties of CodecProperty on an encoder or decoder class. */
void installCodecProperties(GObjectClass *oc, bool encoder);

/**
 * \brief The state the encoder and decoder elements share: settings, the
 * device and its stream, the bitstream/frame copy pool and the counters
 * behind the common properties. Each element's state derives from it.
 */
struct CodecElementState {
	std::string device; /* property: empty = find by codec */
	guint timeoutMs = 2000;
	/* property: bound on the fence wait before the CPU copies an input buffer */
	std::atomic<gint> fenceTimeoutMs{ DBK_FENCE_TIMEOUT_DEFAULT_MS };

	std::unique_ptr<v4l2::VideoDevice> dev;
	std::unique_ptr<M2mStream> stream;
	/* The index cache's counts. Getters run on any thread and never look
	 * into stream, which the streaming thread may be destroying (a
	 * use-after-free the tracer's polling of these properties found). */
	mutable std::mutex cacheCountsLock;
	uint64_t cacheHitsBefore = 0, cacheMissesBefore = 0; /* streams that ended */
	uint64_t cacheHitsNow = 0, cacheMissesNow = 0;	     /* the running stream */
	/* The CAPTURE side's thread; created with the element's pads. */
	std::unique_ptr<CaptureTask> task;
	GRecMutex *streamLock = nullptr;
	/* The minimum latency reported so far (the device's measured processing time). */
	DeviceLatency latency;
	DbkAllocator *allocator = nullptr;
	GstBufferPool *copyPool = nullptr; /* for inputs that cannot be imported */
	bool warnedCopy = false;
	std::atomic<guint64> copies{ 0 };
	std::atomic<guint64> imported{ 0 };
	std::string deviceUsed;

	/**
	 * \brief The OUTPUT index cache's hits and misses, all streams included:
	 * for property getters, on any thread.
	 */
	std::pair<uint64_t, uint64_t> cacheCounts() const;
	/** \brief Streaming thread, after queueing: the running stream's cache counts. */
	void noteCacheCounts();

	/**
	 * \brief Stop the capture task and end streaming; the index cache's counts are kept.
	 * \param caller whether the calling vfunc runs under the stream lock
	 */
	void stopStream(StreamLock caller);
	/**
	 * \brief Queue input with the stream lock released, so the capture task
	 * can hand frames on (under that lock) while this thread waits for a slot.
	 */
	Result<void> queueInput(GstBuffer *buf, uint32_t frameNumber, uint32_t bytesUsed);
	/** \brief Drain (stream lock released while waiting), then stopStream(). */
	Result<void> drain(bool encoder);
	/** \brief The flow for a failed queueInput/drain when the task posted the error already. */
	std::optional<GstFlowReturn> taskFlow(const Error &e) const;
	/** \brief FLUSH_START arrives: end every wait before the base class forwards it. */
	void beginFlush();
	/** \brief FLUSH_START forwarded: the task saw its pad flush; join it. */
	void endFlushStart();
	/**
	 * \brief The minimum latency the device's measured processing time calls
	 * for (plus a quarter), when it outgrew what was last reported.
	 */
	std::optional<GstClockTime> latencyToReport();
	/** \brief stopStream(), drop the copy pool and close the device. */
	void closeDevice(StreamLock caller);
	/** \brief set_property for a CodecProperty id; false for any other id. */
	bool setProperty(guint id, const GValue *value);
	/** \brief get_property for a CodecProperty id; false for any other id. */
	bool getProperty(guint id, GValue *value) const;
};

} /* namespace dmabufkit::gstv4l2 */

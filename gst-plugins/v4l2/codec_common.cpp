/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "codec_common.h"

#include <algorithm>
#include <cerrno>
#include <map>
#include <mutex>
#include <tuple>

#include "format_map.h"
#include "dmabufkit/base/log.h"
#include "dmabufkit/v4l2/video_device.h"

namespace dmabufkit::gstv4l2 {

namespace {

struct Found {
	v4l2::VideoNodeInfo node;
	uint32_t codec;
};

} /* namespace */

static Result<v4l2::VideoNodeInfo> searchCodecDevice(GstCaps *codecCaps, bool encoder,
						     uint32_t rawFourcc, uint32_t *codecFourcc);

Result<v4l2::VideoNodeInfo> findCodecDevice(GstCaps *codecCaps, bool encoder, uint32_t rawFourcc,
					    uint32_t *codecFourcc)
{
	/* Discovery opens every node; remember the answer and only re-check the node. */
	static std::mutex lock;
	static std::map<std::tuple<bool, std::string, uint32_t>, Found> cache;
	gchar *capsStr = codecCaps ? gst_caps_to_string(codecCaps) : g_strdup("");
	auto key = std::make_tuple(encoder, std::string(capsStr), rawFourcc);
	g_free(capsStr);
	{
		std::lock_guard<std::mutex> g(lock);
		auto it = cache.find(key);
		if (it != cache.end()) {
			auto now = v4l2::queryVideoNode(it->second.node.path);
			if (now && now->driver == it->second.node.driver &&
			    now->name == it->second.node.name) {
				*codecFourcc = it->second.codec;
				DBK_LOG(V4l2, Debug, "%s (%s) still %s %s (remembered)",
					now->path.c_str(), now->card.c_str(),
					encoder ? "encodes" : "decodes",
					fourccName(it->second.codec).c_str());
				return *now;
			}
			DBK_LOG(V4l2, Info, "%s changed (now %s); searching for a %s again",
				it->second.node.path.c_str(), now ? now->driver.c_str() : "gone",
				encoder ? "encoder" : "decoder");
			cache.erase(it);
		}
	}
	auto r = searchCodecDevice(codecCaps, encoder, rawFourcc, codecFourcc);
	if (r) {
		std::lock_guard<std::mutex> g(lock);
		cache[key] = Found{ *r, *codecFourcc };
	}
	return r;
}

static Result<v4l2::VideoNodeInfo> searchCodecDevice(GstCaps *codecCaps, bool encoder,
						     uint32_t rawFourcc, uint32_t *codecFourcc)
{
	std::string tried;
	const guint n = codecCaps ? gst_caps_get_size(codecCaps) : 0;
	for (guint i = 0; i < n; ++i) {
		const char *media = gst_structure_get_name(gst_caps_get_structure(codecCaps, i));
		uint32_t f = v4l2::codecFourccFromMediaType(media);
		if (!f)
			continue;
		v4l2::VideoNodeQuery q;
		q.memToMem = true;
		if (encoder) {
			q.captureFourcc = f;
			q.outputFourcc = rawFourcc;
		} else {
			q.outputFourcc = f;
		}
		auto node = v4l2::findVideoNode(q);
		if (node) {
			*codecFourcc = f;
			DBK_LOG(V4l2, Info, "%s %s (card %s) %s %s",
				encoder ? "encoder" : "decoder", node->path.c_str(),
				node->card.c_str(), encoder ? "encodes to" : "decodes",
				fourccName(f).c_str());
			return node;
		}
		tried += std::string(tried.empty() ? "" : "; ") + node.error().message;
	}
	return Error{
		ENODEV, std::string("no V4L2 ") + (encoder ? "encoder" : "decoder") + " for " +
				(tried.empty() ? std::string("these caps (no known codec)") : tried)
	};
}

void postCodecOpenError(GstElement *element, const char *role, const std::string &path,
			const Error &e)
{
	GstResourceError code = GST_RESOURCE_ERROR_OPEN_READ_WRITE;
	const char *why = "check the device property and the node's permissions";
	if (e.code == ENOENT || e.code == ENODEV || e.code == ENXIO) {
		code = GST_RESOURCE_ERROR_NOT_FOUND;
		why = "it is missing or was disconnected; check the device property";
	} else if (e.code == EBUSY) {
		code = GST_RESOURCE_ERROR_BUSY;
		why = "it is busy; stop the process using it or pick another device";
	}
	gst_element_message_full(
		element, GST_MESSAGE_ERROR, GST_RESOURCE_ERROR, code,
		g_strdup_printf("Cannot open the %s %s: %s", role, path.c_str(), why),
		g_strdup(e.message.c_str()), __FILE__, GST_FUNCTION, __LINE__);
}

unsigned downstreamMinBuffers(GstQuery *query)
{
	unsigned most = 0;
	for (guint i = 0; i < gst_query_get_n_allocation_pools(query); ++i) {
		guint min = 0;
		gst_query_parse_nth_allocation_pool(query, i, nullptr, nullptr, &min, nullptr);
		most = std::max(most, static_cast<unsigned>(min));
	}
	return most;
}

unsigned decoderInputBuffers(const v4l2::VideoDevice &dev)
{
	return minBuffers(dev, false, 2) + 2;
}

unsigned minBuffers(const v4l2::VideoDevice &dev, bool capture, unsigned fallback)
{
	auto v = dev.getControl(capture ? V4L2_CID_MIN_BUFFERS_FOR_CAPTURE
					: V4L2_CID_MIN_BUFFERS_FOR_OUTPUT);
	if (v && *v > 0) {
		DBK_LOG(V4l2, Debug, "%s: the driver wants at least %d %s buffers", dev.label(), *v,
			capture ? "CAPTURE" : "OUTPUT");
		return static_cast<unsigned>(*v);
	}
	DBK_LOG(V4l2, Debug, "%s: no minimum %s buffer count from the driver; assuming %u",
		dev.label(), capture ? "CAPTURE" : "OUTPUT", fallback);
	return fallback;
}

void installCodecProperties(GObjectClass *oc, bool encoder)
{
	const auto rw = static_cast<GParamFlags>(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
						 GST_PARAM_MUTABLE_READY);
	const auto ro = static_cast<GParamFlags>(G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
	g_object_class_install_property(
		oc, PROP_DEVICE,
		g_param_spec_string("device", "Device",
				    encoder ? "V4L2 encoder node; empty: the first that encodes "
					      "the negotiated codec"
					    : "V4L2 decoder node; empty: the first that decodes "
					      "the negotiated codec",
				    "", rw));
	g_object_class_install_property(
		oc, PROP_TIMEOUT_MS,
		g_param_spec_uint(
			"timeout-ms", "Dequeue timeout",
			"Post an error when the device returns nothing for this long (ms)", 1,
			G_MAXUINT, 2000, rw));
	g_object_class_install_property(
		oc, PROP_COPIES,
		g_param_spec_uint64(
			"copies", "Copies",
			encoder ? "Input frames copied because they could not be imported"
				: "Input bitstream buffers copied because the OUTPUT queue cannot "
				  "import them (not a dma-buf, or a dma-buf smaller than "
				  "sizeimage)",
			0, G_MAXUINT64, 0, ro));
	g_object_class_install_property(
		oc, PROP_IMPORTED,
		g_param_spec_uint64("imported", "Imported",
				    "Input buffers imported as dma-bufs without a copy", 0,
				    G_MAXUINT64, 0, ro));
	g_object_class_install_property(
		oc, PROP_CACHE_HITS,
		g_param_spec_uint64(
			"index-cache-hits", "Index cache hits",
			"OUTPUT imports that reused the dma-buf's V4L2 index (no remap)", 0,
			G_MAXUINT64, 0, ro));
	g_object_class_install_property(
		oc, PROP_CACHE_MISSES,
		g_param_spec_uint64(
			"index-cache-misses", "Index cache misses",
			"OUTPUT imports that bound a dma-buf to a new V4L2 index (a remap)", 0,
			G_MAXUINT64, 0, ro));
	g_object_class_install_property(
		oc, PROP_DEVICE_LATENCY,
		g_param_spec_uint64("device-latency", "Device latency",
				    "The longest a frame has spent in the device so far (its "
				    "QBUF on OUTPUT to its DQBUF from CAPTURE), in ns: the "
				    "minimum latency this element reports",
				    0, G_MAXUINT64, 0, ro));
	g_object_class_install_property(oc, PROP_FENCE_TIMEOUT, dbk_param_spec_fence_timeout());
	g_object_class_install_property(oc, PROP_DEVICE_USED,
					g_param_spec_string("device-used", "Device used",
							    "The node in use (or last used)", "",
							    ro));
}

GstClockTime framesLatency(const GstVideoInfo &info, unsigned frames)
{
	if (GST_VIDEO_INFO_FPS_N(&info) <= 0 || GST_VIDEO_INFO_FPS_D(&info) <= 0)
		return 0;
	return gst_util_uint64_scale(frames * GST_SECOND, GST_VIDEO_INFO_FPS_D(&info),
				     GST_VIDEO_INFO_FPS_N(&info));
}

void releaseFrameInput(GstVideoCodecFrame *frame)
{
	GstBuffer *in = frame->input_buffer;
	if (!in)
		return;
	GstBuffer *shell = gst_buffer_new();
	gst_buffer_copy_into(shell, in,
			     static_cast<GstBufferCopyFlags>(GST_BUFFER_COPY_FLAGS |
							     GST_BUFFER_COPY_TIMESTAMPS |
							     GST_BUFFER_COPY_META),
			     0, 0);
	frame->input_buffer = shell;
	gst_buffer_unref(in);
}

void CodecElementState::stopStream(StreamLock caller)
{
	if (task)
		task->stop(caller);
	if (!stream)
		return;
	{
		std::lock_guard l(cacheCountsLock);
		if (const auto *c = stream->outputCache()) {
			cacheHitsBefore += c->hits();
			cacheMissesBefore += c->misses();
		}
		cacheHitsNow = cacheMissesNow = 0;
	}
	stream.reset();
}

Result<void> CodecElementState::queueInput(GstBuffer *buf, uint32_t frameNumber, uint32_t bytesUsed)
{
	if (!task->start(*stream))
		return Error{ EIO, "cannot start the capture task on " + deviceUsed };
	g_rec_mutex_unlock(streamLock);
	auto r = stream->queueInput(buf, frameNumber, bytesUsed);
	g_rec_mutex_lock(streamLock);
	noteCacheCounts();
	return r;
}

void CodecElementState::noteCacheCounts()
{
	/* The cache counts on queueing, which is this thread's. */
	const auto *c = stream ? stream->outputCache() : nullptr;
	if (!c)
		return;
	std::lock_guard l(cacheCountsLock);
	cacheHitsNow = c->hits();
	cacheMissesNow = c->misses();
}

std::pair<uint64_t, uint64_t> CodecElementState::cacheCounts() const
{
	std::lock_guard l(cacheCountsLock);
	return { cacheHitsBefore + cacheHitsNow, cacheMissesBefore + cacheMissesNow };
}

Result<void> CodecElementState::drain(bool encoder)
{
	Result<void> r;
	auto started = stream->startDrain(encoder);
	if (!started) {
		r = started.error();
	} else if (*started) {
		g_rec_mutex_unlock(streamLock);
		r = stream->waitDrained();
		g_rec_mutex_lock(streamLock);
	}
	stopStream(StreamLock::HeldByCaller); /* finish(): EOS, new caps */
	return r;
}

std::optional<GstFlowReturn> CodecElementState::taskFlow(const Error &e) const
{
	if (task && task->flow() != GST_FLOW_OK)
		return task->flow();
	if (e.code == EPIPE)
		return GST_FLOW_FLUSHING;
	return std::nullopt;
}

void CodecElementState::beginFlush()
{
	if (stream)
		stream->interrupt(true);
}

void CodecElementState::endFlushStart()
{
	if (task)
		task->stop(StreamLock::Free); /* FLUSH_START is not serialized */
}

std::optional<GstClockTime> CodecElementState::latencyToReport()
{
	if (!stream)
		return std::nullopt;
	return latency.update(stream->maxProcessingNs());
}

void CodecElementState::closeDevice(StreamLock caller)
{
	/* The stop vfunc runs without the stream lock, maybe while a drain that
	 * released it to join the task is still in stopStream(): join the task
	 * first, then take the lock for what the streaming thread touches too. */
	const bool lock = caller == StreamLock::Free;
	if (lock) {
		if (task)
			task->stop(StreamLock::Free);
		g_rec_mutex_lock(streamLock);
	}
	stopStream(StreamLock::HeldByCaller);
	if (copyPool) {
		gst_buffer_pool_set_active(copyPool, FALSE);
		gst_object_unref(copyPool);
		copyPool = nullptr;
	}
	dev.reset();
	if (lock)
		g_rec_mutex_unlock(streamLock);
}

bool CodecElementState::setProperty(guint id, const GValue *value)
{
	switch (id) {
	case PROP_DEVICE: {
		const gchar *s = g_value_get_string(value);
		device = s ? s : "";
		return true;
	}
	case PROP_TIMEOUT_MS:
		timeoutMs = g_value_get_uint(value);
		return true;
	case PROP_FENCE_TIMEOUT:
		fenceTimeoutMs = g_value_get_int(value);
		return true;
	default:
		return false;
	}
}

bool CodecElementState::getProperty(guint id, GValue *value) const
{
	switch (id) {
	case PROP_DEVICE:
		g_value_set_string(value, device.c_str());
		return true;
	case PROP_TIMEOUT_MS:
		g_value_set_uint(value, timeoutMs);
		return true;
	case PROP_FENCE_TIMEOUT:
		g_value_set_int(value, fenceTimeoutMs);
		return true;
	case PROP_COPIES:
		g_value_set_uint64(value, copies);
		return true;
	case PROP_IMPORTED:
		g_value_set_uint64(value, imported);
		return true;
	case PROP_CACHE_HITS:
		g_value_set_uint64(value, cacheCounts().first);
		return true;
	case PROP_CACHE_MISSES:
		g_value_set_uint64(value, cacheCounts().second);
		return true;
	case PROP_DEVICE_USED:
		g_value_set_string(value, deviceUsed.c_str());
		return true;
	case PROP_DEVICE_LATENCY:
		g_value_set_uint64(value, latency.reported());
		return true;
	default:
		return false;
	}
}

} /* namespace dmabufkit::gstv4l2 */

/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "slfwhtdec_support.h"

#include <cerrno>

#include "decoded_format.h"
#include "format_map.h"

namespace dmabufkit::gstv4l2 {

namespace {

enum {
	PROP_0,
	PROP_DEVICE,
	PROP_TIMEOUT_MS,
	PROP_DEVICE_USED,
	PROP_MEDIA_USED,
	PROP_DECODED,
	PROP_SKIPPED,
	PROP_CORRUPT,
	PROP_CHANGES,
	PROP_REQUESTS,
	PROP_COPIES,
	PROP_IMPORT,
	PROP_IMPORTED,
	PROP_FENCE_TIMEOUT,
};

} /* namespace */

std::optional<std::string> SlFwhtDecState::unsupportedSize(const v4l2::FwhtHeader &h) const
{
	for (const auto &r : session->frameSizes())
		if (h.width >= r.minWidth && h.width <= r.maxWidth && h.height >= r.minHeight &&
		    h.height <= r.maxHeight)
			return std::nullopt;
	std::string ranges;
	for (const auto &r : session->frameSizes())
		ranges += (ranges.empty() ? "" : ", ") + std::to_string(r.minWidth) + "x" +
			  std::to_string(r.minHeight) + " to " + std::to_string(r.maxWidth) + "x" +
			  std::to_string(r.maxHeight);
	return "the stream is " + std::to_string(h.width) + "x" + std::to_string(h.height) + "; " +
	       deviceUsed + " decodes " + (ranges.empty() ? "no size at all" : ranges);
}

void SlFwhtDecState::close()
{
	std::lock_guard<std::mutex> g(lifetime);
	if (stream) {
		corruptDone += stream->corruptFrames;
		changesDone += stream->geometryChanges;
		importedDone += stream->importedFrames;
		stream.reset();
	}
	if (session) {
		requestsDone += session->requestsQueued();
		session.reset();
	}
	if (input)
		gst_video_codec_state_unref(input);
	input = nullptr;
	if (allocator)
		gst_object_unref(allocator);
	allocator = nullptr;
}

bool SlFwhtDecState::setProperty(guint id, const GValue *value)
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
	case PROP_IMPORT:
		importMode = g_value_get_boolean(value);
		return true;
	case PROP_FENCE_TIMEOUT:
		fenceTimeoutMs = g_value_get_int(value);
		return true;
	default:
		return false;
	}
}

bool SlFwhtDecState::getProperty(guint id, GValue *value) const
{
	std::lock_guard<std::mutex> g(lifetime);
	switch (id) {
	case PROP_DEVICE:
		g_value_set_string(value, device.c_str());
		return true;
	case PROP_TIMEOUT_MS:
		g_value_set_uint(value, timeoutMs);
		return true;
	case PROP_DEVICE_USED:
		g_value_set_string(value, deviceUsed.c_str());
		return true;
	case PROP_MEDIA_USED:
		g_value_set_string(value, mediaUsed.c_str());
		return true;
	case PROP_DECODED:
		g_value_set_uint64(value, decoded);
		return true;
	case PROP_SKIPPED:
		g_value_set_uint64(value, skipped);
		return true;
	case PROP_CORRUPT:
		g_value_set_uint64(value, corruptDone + (stream ? stream->corruptFrames : 0));
		return true;
	case PROP_CHANGES:
		g_value_set_uint64(value, changesDone + (stream ? stream->geometryChanges : 0));
		return true;
	case PROP_REQUESTS:
		g_value_set_uint64(value, requestsDone + (session ? session->requestsQueued() : 0));
		return true;
	case PROP_COPIES:
		g_value_set_uint64(value, copiedFrames);
		return true;
	case PROP_IMPORT:
		g_value_set_boolean(value, importMode);
		return true;
	case PROP_FENCE_TIMEOUT:
		g_value_set_int(value, fenceTimeoutMs);
		return true;
	case PROP_IMPORTED:
		g_value_set_uint64(value, importedDone + (stream ? stream->importedFrames : 0));
		return true;
	default:
		return false;
	}
}

void SlFwhtDecState::installProperties(GObjectClass *oc)
{
	const auto rw = static_cast<GParamFlags>(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
						 GST_PARAM_MUTABLE_READY);
	const auto ro = static_cast<GParamFlags>(G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
	auto counter = [&](guint id, const char *name, const char *nick, const char *blurb) {
		g_object_class_install_property(
			oc, id, g_param_spec_uint64(name, nick, blurb, 0, G_MAXUINT64, 0, ro));
	};
	g_object_class_install_property(
		oc, PROP_DEVICE,
		g_param_spec_string("device", "Device",
				    "Stateless FWHT decoder node; empty: the first "
				    "memory-to-memory node that takes 'SFWH'",
				    "", rw));
	g_object_class_install_property(
		oc, PROP_TIMEOUT_MS,
		g_param_spec_uint("timeout-ms", "Request timeout",
				  "Post an error when a decode request does not complete in "
				  "this long (ms)",
				  1, G_MAXUINT, 2000, rw));
	g_object_class_install_property(
		oc, PROP_IMPORT,
		g_param_spec_boolean("import", "Import",
				     "Decode into downstream's dma-bufs (its buffer pool) instead "
				     "of exporting the decoder's own; falls back to export, with a "
				     "warning, when downstream's buffers do not fit",
				     FALSE, rw));
	g_object_class_install_property(oc, PROP_FENCE_TIMEOUT, dbk_param_spec_fence_timeout());
	g_object_class_install_property(oc, PROP_DEVICE_USED,
					g_param_spec_string("device-used", "Device used",
							    "The node in use (or last used)", "",
							    ro));
	g_object_class_install_property(
		oc, PROP_MEDIA_USED,
		g_param_spec_string("media-device-used", "Media device used",
				    "The media device whose requests carry the frames", "", ro));
	counter(PROP_DECODED, "frames-decoded", "Frames decoded", "Frames decoded and pushed");
	counter(PROP_SKIPPED, "frames-skipped", "Frames skipped",
		"P frames skipped because their reference was not decoded (stream start, "
		"seek, corrupt frame)");
	counter(PROP_CORRUPT, "corrupt-frames", "Corrupt frames",
		"Frames the driver flagged as errors");
	counter(PROP_CHANGES, "geometry-changes", "Geometry changes",
		"Stream sizes or samplings set up (the first included)");
	counter(PROP_REQUESTS, "requests", "Requests", "Media requests queued");
	counter(PROP_IMPORTED, "imported-frames", "Imported frames",
		"Frames decoded into downstream's dma-bufs (import)");
	counter(PROP_COPIES, "bitstream-copies", "Bitstream copies",
		"Payloads copied into the decoder's bitstream buffers (the OUTPUT queue "
		"takes the payload without its header, so each frame is copied)");
}

void postOpenError(GstElement *element, const std::string &path, const Error &e)
{
	switch (e.code) {
	case ENOENT:
	case ENODEV:
		GST_ELEMENT_ERROR(element, RESOURCE, NOT_FOUND,
				  ("Cannot use %s as a stateless FWHT decoder", path.c_str()),
				  ("%s", e.message.c_str()));
		break;
	case EBUSY:
		GST_ELEMENT_ERROR(element, RESOURCE, BUSY, ("%s is busy", path.c_str()),
				  ("%s", e.message.c_str()));
		break;
	case ENOTSUP:
		GST_ELEMENT_ERROR(element, RESOURCE, SETTINGS,
				  ("%s is not a stateless FWHT decoder", path.c_str()),
				  ("%s; set device= to vicodec's stateless-decoder node or leave "
				   "it empty",
				   e.message.c_str()));
		break;
	default:
		GST_ELEMENT_ERROR(element, RESOURCE, OPEN_READ_WRITE,
				  ("Cannot open %s", path.c_str()), ("%s", e.message.c_str()));
	}
}

void postHeaderError(GstElement *element, const v4l2::FwhtFrame &f, uint32_t number)
{
	const char *verdict = v4l2::fwhtVerdictName(f.verdict);
	switch (f.verdict) {
	case v4l2::FwhtVerdict::NotFwht:
		GST_ELEMENT_ERROR(element, STREAM, WRONG_TYPE, ("Input is not an FWHT stream"),
				  ("frame %u (%s): %s", number, verdict, f.message.c_str()));
		break;
	case v4l2::FwhtVerdict::Truncated:
	case v4l2::FwhtVerdict::EmptyPayload:
		GST_ELEMENT_ERROR(element, STREAM, DECODE, ("Truncated FWHT frame"),
				  ("frame %u (%s): %s", number, verdict, f.message.c_str()));
		break;
	default:
		GST_ELEMENT_ERROR(element, STREAM, FORMAT, ("Malformed FWHT frame header"),
				  ("frame %u (%s): %s", number, verdict, f.message.c_str()));
	}
}

GstFlowReturn postStreamError(GstElement *element, const Error &e, GstFlowReturn lastFlow)
{
	switch (e.code) {
	case EPIPE:
		return lastFlow != GST_FLOW_OK ? lastFlow : GST_FLOW_FLUSHING;
	case EBADMSG: /* GST_VIDEO_DECODER_ERROR posted the message */
		return GST_FLOW_ERROR;
	case ENOTSUP:
		GST_ELEMENT_ERROR(element, CORE, NEGOTIATION,
				  ("The decoded format is not accepted downstream"),
				  ("%s", e.message.c_str()));
		return GST_FLOW_NOT_NEGOTIATED;
	case ETIMEDOUT:
		GST_ELEMENT_ERROR(
			element, RESOURCE, FAILED, ("The decoder stalled"),
			("%s; raise timeout-ms if the machine is slow", e.message.c_str()));
		return GST_FLOW_ERROR;
	case EINVAL:
	case ENOENT:
	case EACCES:
	case EBADR:
		GST_ELEMENT_ERROR(element, RESOURCE, SETTINGS, ("The decoder refused the request"),
				  ("%s", e.message.c_str()));
		return GST_FLOW_ERROR;
	default:
		GST_ELEMENT_ERROR(element, RESOURCE, FAILED, ("Decoding failed"),
				  ("%s", e.message.c_str()));
		return GST_FLOW_ERROR;
	}
}

Result<uint32_t> chooseCaptureFormat(GstVideoDecoder *dec, const v4l2::FwhtHeader &h,
				     const std::vector<uint32_t> &offered)
{
	const uint32_t native = offered.front();
	GstCaps *allowed = gst_pad_get_allowed_caps(GST_VIDEO_DECODER_SRC_PAD(dec));
	if (!allowed)
		return native;
	std::vector<GstVideoFormat> formats;
	for (uint32_t f : offered)
		if (GstVideoFormat v = v4l2::videoFormatFromFourcc(f);
		    v != GST_VIDEO_FORMAT_UNKNOWN)
			formats.push_back(v);
	auto accepted = [&](GstVideoFormat f) {
		GstCaps *c = gst_caps_new_simple("video/x-raw", "format", G_TYPE_STRING,
						 gst_video_format_to_string(f), "width", G_TYPE_INT,
						 static_cast<int>(h.width), "height", G_TYPE_INT,
						 static_cast<int>(h.height), nullptr);
		const bool ok = gst_caps_can_intersect(c, allowed);
		gst_caps_unref(c);
		return ok;
	};
	const GstVideoFormat chosen =
		formats.empty() ? GST_VIDEO_FORMAT_UNKNOWN
				: v4l2::chooseDecodedFormat(formats.front(), formats, accepted);
	if (chosen == GST_VIDEO_FORMAT_UNKNOWN) {
		std::string names;
		for (GstVideoFormat f : formats)
			names += std::string(names.empty() ? "" : ", ") +
				 gst_video_format_to_string(f);
		gchar *a = gst_caps_to_string(allowed);
		Error e{ ENOTSUP, "the decoder writes this stream (" + h.sampling().toString() +
					  ") as " + names + "; downstream accepts only " + a +
					  ". Put a converter after the decoder" };
		g_free(a);
		gst_caps_unref(allowed);
		return e;
	}
	gst_caps_unref(allowed);
	/* The driver's own fourcc for it (vicodec lists BGR32 before its alias XBGR32). */
	for (uint32_t f : offered)
		if (v4l2::videoFormatFromFourcc(f) == chosen)
			return f;
	return v4l2::fourccFromVideoFormat(chosen);
}

} /* namespace dmabufkit::gstv4l2 */

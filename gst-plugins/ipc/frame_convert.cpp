/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "frame_convert.h"

#include <gst/allocators/allocators.h>
#include <gst/video/video.h>

namespace dmabufkit::ipc {

namespace {

void unrefBuffer(void *b)
{
	gst_buffer_unref(static_cast<GstBuffer *>(b));
}

void runOnFree(gpointer data, GstMiniObject *)
{
	auto *f = static_cast<std::function<void()> *>(data);
	(*f)();
	delete f;
}

/* Checked against GStreamer's list: gst_video_format_get_info() would complain loudly. */
bool isRawFormat(uint32_t format)
{
	guint n = 0;
	const GstVideoFormat *all = gst_video_formats_raw(&n);
	for (guint i = 0; i < n; ++i)
		if (uint32_t(all[i]) == format)
			return true;
	return false;
}

} /* namespace */

std::optional<OutgoingFrame> frameFromBuffer(GstBuffer *buf, GstClockTime clockTime,
					     std::string *whyNot)
{
	OutgoingFrame f;
	const guint n = gst_buffer_n_memory(buf);
	if (n == 0 || n > kMaxMemories) {
		*whyNot = "a frame of " + std::to_string(n) +
			  " memories: dmabufipcsink shares frames of 1 to 4 dma-buf memories";
		return std::nullopt;
	}
	for (guint i = 0; i < n; ++i) {
		GstMemory *m = gst_buffer_peek_memory(buf, i);
		if (!gst_is_dmabuf_memory(m)) {
			*whyNot = std::string("memory of type ") +
				  (m->allocator ? m->allocator->mem_type : "none") +
				  " is not a dma-buf: put dmabufupload before dmabufipcsink, or "
				  "use a source that produces dma-bufs";
			return std::nullopt;
		}
		f.memories.push_back(
			{ gst_dmabuf_memory_get_fd(m), 0, guint64(m->offset), guint64(m->size) });
	}
	Frame &h = f.header;
	h.clockTime = clockTime;
	h.pts = GST_BUFFER_PTS(buf);
	h.dts = GST_BUFFER_DTS(buf);
	h.duration = GST_BUFFER_DURATION(buf);
	h.offset = GST_BUFFER_OFFSET(buf);
	h.offsetEnd = GST_BUFFER_OFFSET_END(buf);
	h.flags = GST_BUFFER_FLAGS(buf);
	if (GstVideoMeta *vm = gst_buffer_get_video_meta(buf)) {
		h.hasVideoLayout = true;
		h.video.format = vm->format;
		h.video.width = vm->width;
		h.video.height = vm->height;
		h.video.planes = MIN(vm->n_planes, kMaxMemories);
		for (guint p = 0; p < h.video.planes; ++p) {
			h.video.offsets[p] = vm->offset[p];
			h.video.strides[p] = vm->stride[p];
		}
	}
	f.keepAlive = std::shared_ptr<void>(gst_buffer_ref(buf), unrefBuffer);
	return f;
}

GstBuffer *bufferFromFrame(const Frame &frame, const std::map<uint32_t, GstMemory *> &memories,
			   GstClockTime baseTime, std::function<void()> onFree, std::string *whyNot)
{
	if (frame.hasVideoLayout && !isRawFormat(frame.video.format)) {
		*whyNot = "video layout of unknown format " + std::to_string(frame.video.format);
		return nullptr;
	}
	GstBuffer *buf = gst_buffer_new();
	for (const FrameMemory &fm : frame.memories) {
		GstMemory *whole = memories.at(fm.bufferId);
		/* The same GstMemory each time, so importers' caches keyed on it hit. */
		GstMemory *m =
			fm.offset == 0 && fm.size == guint64(whole->size)
				? gst_memory_ref(whole)
				: gst_memory_share(whole, gssize(fm.offset), gssize(fm.size));
		gst_buffer_append_memory(buf, m);
	}
	/* Buffer flags only: the producer's mini-object flags (locks, leak tracing) are its own. */
	GST_BUFFER_FLAGS(buf) = frame.flags & ~guint(GST_MINI_OBJECT_FLAG_LAST - 1);
	GST_BUFFER_PTS(buf) = frame.clockTime == GST_CLOCK_TIME_NONE ? GST_CLOCK_TIME_NONE
			      : frame.clockTime > baseTime	     ? frame.clockTime - baseTime
								     : 0;
	GST_BUFFER_DURATION(buf) = frame.duration;
	GST_BUFFER_OFFSET(buf) = frame.offset;
	GST_BUFFER_OFFSET_END(buf) = frame.offsetEnd;
	if (frame.hasVideoLayout) {
		gsize offsets[GST_VIDEO_MAX_PLANES] = {};
		gint strides[GST_VIDEO_MAX_PLANES] = {};
		for (unsigned p = 0; p < frame.video.planes; ++p) {
			offsets[p] = frame.video.offsets[p];
			strides[p] = frame.video.strides[p];
		}
		gst_buffer_add_video_meta_full(buf, GST_VIDEO_FRAME_FLAG_NONE,
					       GstVideoFormat(frame.video.format),
					       frame.video.width, frame.video.height,
					       frame.video.planes, offsets, strides);
	}
	gst_mini_object_weak_ref(GST_MINI_OBJECT(buf), runOnFree,
				 new std::function<void()>(std::move(onFree)));
	return buf;
}

} /* namespace dmabufkit::ipc */

/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "preview_tap.h"

#include <utility>

#include <dmabufkit/dbk_fence_wait.h>

#include "json_writer.h"

namespace dmabufkit::dmabuftrace {

PreviewTap::~PreviewTap()
{
	gst_caps_replace(&caps_, nullptr);
}

void PreviewTap::watch(uint64_t linkSerial)
{
	if (watched_.load() == linkSerial)
		return;
	std::lock_guard lock(mutex_);
	watched_.store(linkSerial);
	/* next_ is kept: the limit is the tap's, not the link's. Otherwise a
	   graph change that drops the target and finds it again (caps being
	   renegotiated at start-up) let a second preview through early. */
	/* Another link may fail for the same reason: say it again. */
	lastNotice_.clear();
}

void PreviewTap::note(const std::string &why)
{
	/* Streaming thread, once per cause (not per buffer). */
	if (why == lastNotice_)
		return;
	lastNotice_ = why;
	notice_ = why;
}

bool PreviewTap::updateCaps(GstPad *pad)
{
	GstCaps *caps = gst_pad_get_current_caps(pad);
	if (!caps)
		return false;
	if (caps == caps_) {
		gst_caps_unref(caps);
		return usable_;
	}
	gst_caps_replace(&caps_, caps);
	gst_caps_unref(caps);
	/* New caps: the only time the streaming side parses or allocates. */
	std::string why;
	usable_ = false;
	if (!gst_video_info_from_caps(&info_, caps_)) {
		gchar *s = gst_caps_to_string(caps_);
		why = std::string("no preview: not raw video (") + s + ")";
		g_free(s);
	} else {
		auto configured = thumb_.configure(info_);
		usable_ = configured.ok();
		if (!usable_)
			why = configured.error().message;
	}
	if (!usable_)
		note(why);
	return usable_;
}

void PreviewTap::capture(uint64_t linkSerial, GstPad *pad, GstBuffer *buf)
{
	const auto now = std::chrono::steady_clock::now() - start_;
	const uint64_t nowNs = std::chrono::duration_cast<std::chrono::nanoseconds>(now).count();
	if (nowNs < next_.load(std::memory_order_relaxed))
		return;
	std::unique_lock lock(mutex_, std::try_to_lock);
	if (!lock.owns_lock())
		return; /* the publisher is copying the last one out: next time */
	if (linkSerial != watched_.load(std::memory_order_relaxed) ||
	    nowNs < next_.load(std::memory_order_relaxed))
		return;
	next_.store(nowNs + kIntervalNs, std::memory_order_relaxed);
	/* Stamped when the frame is taken, on the limiter's clock: mapping and
	   sampling can take long under load. */
	const double takenAt = std::chrono::duration<double>(now).count();
	if (!updateCaps(pad))
		return;
	/* Without a video meta, mapping several memories merges them into a
	   new one: a whole-frame allocation and copy. Not for a preview. */
	if (gst_buffer_n_memory(buf) > 1 && !gst_buffer_get_video_meta(buf)) {
		note("no preview: frames in several memories without a video meta");
		return;
	}
	/* SYNC START would wait for a device still writing the frame without a
	   bound: wait with one, and skip this frame past it. */
	GError *err = nullptr;
	if (!dbk_buffer_wait_fences(buf, GST_MAP_READ, fenceTimeoutMs_, &err)) {
		note(std::string("no preview: ") + err->message);
		g_error_free(err);
		return;
	}
	GstVideoFrame frame;
	if (!gst_video_frame_map(&frame, &info_, buf,
				 static_cast<GstMapFlags>(int(GST_MAP_READ) |
							  int(GST_VIDEO_FRAME_MAP_FLAG_NO_REF)))) {
		note("no preview: a buffer could not be mapped for reading");
		return;
	}
	thumb_.make(frame, pixels_.data());
	gst_video_frame_unmap(&frame);
	++seq_;
	serial_ = linkSerial;
	t_ = takenAt;
	pts_ = GST_BUFFER_PTS(buf);
	format_ = GST_VIDEO_INFO_FORMAT(&info_);
	sourceWidth_ = GST_VIDEO_INFO_WIDTH(&info_);
	sourceHeight_ = GST_VIDEO_INFO_HEIGHT(&info_);
	width_ = thumb_.width();
	height_ = thumb_.height();
}

bool PreviewTap::take(PreviewImage &out)
{
	std::lock_guard lock(mutex_);
	if (seq_ == taken_)
		return false;
	taken_ = seq_;
	out.linkSerial = serial_;
	out.seq = seq_;
	out.t = t_;
	out.pts = pts_;
	out.sourceFormat = gst_video_format_to_string(format_);
	out.sourceWidth = sourceWidth_;
	out.sourceHeight = sourceHeight_;
	out.width = width_;
	out.height = height_;
	out.rgb.assign(pixels_.begin(), pixels_.begin() + size_t(width_) * height_ * 3);
	return true;
}

std::string PreviewTap::takeNotice()
{
	std::lock_guard lock(mutex_);
	return std::exchange(notice_, std::string());
}

std::string previewLine(const PreviewImage &image, const PreviewSource &source, uint64_t seq,
			std::string &base64)
{
	/* Encoded into kept storage, in one pass (g_base64_encode_step's worst case). */
	base64.resize((image.rgb.size() / 3 + 1) * 4 + 4);
	gint state = 0, save = 0;
	gsize n = g_base64_encode_step(image.rgb.data(), image.rgb.size(), FALSE, base64.data(),
				       &state, &save);
	n += g_base64_encode_close(FALSE, base64.data() + n, &state, &save);
	JsonWriter w;
	w.reserve(n + 512);
	/* "t" first: recordings find it in a line's first bytes. */
	w.beginObject()
		.field("type", "preview")
		.field("v", 1)
		.field("seq", seq)
		.field("t", image.t);
	w.field("link", source.linkId).field("element", source.sinkId).field("pad", source.sinkPad);
	if (GST_CLOCK_TIME_IS_VALID(image.pts))
		w.field("pts", image.pts);
	w.key("source").beginObject();
	w.field("format", image.sourceFormat)
		.field("width", image.sourceWidth)
		.field("height", image.sourceHeight);
	w.endObject();
	w.field("format", "rgb888").field("width", image.width).field("height", image.height);
	w.field("data", std::string_view(base64.data(), n));
	w.endObject();
	return w.take();
}

} /* namespace dmabufkit::dmabuftrace */

/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "loopback_frames.h"

#include <cstdio>
#include <map>

#include <glib.h>
#include <gst/video/video.h>

namespace dmabufkit::test {

void FrameLog::attach(GstElement *pipeline, const char *element)
{
	GstElement *e = gst_bin_get_by_name(GST_BIN(pipeline), element);
	g_assert(e);
	GstPad *pad = gst_element_get_static_pad(e, "sink");
	gst_pad_add_probe(pad, GST_PAD_PROBE_TYPE_BUFFER, probe, this, nullptr);
	gst_object_unref(pad);
	gst_object_unref(e);
}

GstPadProbeReturn FrameLog::probe(GstPad *pad, GstPadProbeInfo *info, gpointer data)
{
	GstCaps *caps = gst_pad_get_current_caps(pad);
	static_cast<FrameLog *>(data)->record(GST_PAD_PROBE_INFO_BUFFER(info), caps);
	if (caps)
		gst_caps_unref(caps);
	return GST_PAD_PROBE_OK;
}

void FrameLog::record(GstBuffer *buf, GstCaps *caps)
{
	GstVideoInfo info;
	GstVideoFrame f;
	uint64_t h = 0;
	bool gray = false;
	if (caps && gst_video_info_from_caps(&info, caps) &&
	    GST_VIDEO_INFO_FORMAT(&info) == GST_VIDEO_FORMAT_YUY2 &&
	    gst_video_frame_map(&f, &info, buf, GST_MAP_READ)) {
		h = 1469598103934665603ull;
		gray = true;
		const auto *data = static_cast<const uint8_t *>(GST_VIDEO_FRAME_PLANE_DATA(&f, 0));
		const size_t stride = GST_VIDEO_FRAME_PLANE_STRIDE(&f, 0);
		const int rowBytes = GST_VIDEO_INFO_WIDTH(&info) * 2;
		for (int y = 0; y < GST_VIDEO_INFO_HEIGHT(&info); ++y)
			for (int x = 0; x < rowBytes; ++x) {
				const uint8_t v = data[y * stride + x];
				h = (h ^ v) * 1099511628211ull;
				if ((x & 1) && v != 128)
					gray = false;
			}
		gst_video_frame_unmap(&f);
	}
	std::lock_guard<std::mutex> g(lock_);
	if (!dump.empty()) {
		std::string path = dump + "-" + std::to_string(hashes_.size());
		GstMapInfo m;
		FILE *out = std::fopen(path.c_str(), "wb");
		if (out && gst_buffer_map(buf, &m, GST_MAP_READ)) {
			std::fwrite(m.data, 1, m.size, out);
			gst_buffer_unmap(buf, &m);
		}
		if (out)
			std::fclose(out);
	}
	hashes_.push_back(h);
	gray_.push_back(gray);
}

size_t FrameLog::count() const
{
	std::lock_guard<std::mutex> g(lock_);
	return hashes_.size();
}

bool FrameLog::waitFor(size_t n, int timeoutS) const
{
	for (int i = 0; i < timeoutS * 20; ++i) {
		if (count() >= n)
			return true;
		g_usleep(50000);
	}
	return false;
}

std::vector<uint64_t> FrameLog::hashes() const
{
	std::lock_guard<std::mutex> g(lock_);
	return hashes_;
}

std::vector<bool> FrameLog::gray() const
{
	std::lock_guard<std::mutex> g(lock_);
	return gray_;
}

LoopbackVerdict matchLoopback(const FrameLog &sent, const FrameLog &captured, size_t from)
{
	std::map<uint64_t, size_t> index;
	const auto sentHashes = sent.hashes();
	for (size_t i = 0; i < sentHashes.size(); ++i)
		index.emplace(sentHashes[i], i);
	const auto hashes = captured.hashes();
	const auto gray = captured.gray();
	LoopbackVerdict v;
	size_t last = 0;
	for (size_t i = 0; i < hashes.size(); ++i) {
		auto it = index.find(hashes[i]);
		v.trace += it != index.end() ? std::to_string(it->second)
			   : gray[i]	     ? std::string("N")
					     : std::string("?");
		v.trace += i + 1 == from ? " | " : " ";
		if (i < from)
			continue;
		if (it != index.end()) {
			if (it->second < last)
				v.outOfOrder++;
			last = it->second;
			v.seen.insert(it->second);
			v.matched++;
		} else if (gray[i]) {
			v.noise++;
		} else {
			v.stray++;
		}
	}
	return v;
}

} /* namespace dmabufkit::test */

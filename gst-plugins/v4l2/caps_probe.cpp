/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "caps_probe.h"

#include <map>
#include <mutex>

#include <gst/video/video.h>

#include "format_map.h"

namespace dmabufkit::gstv4l2 {

namespace {

void setSize(GstStructure *s, const v4l2::FrameSizeRange &r)
{
	if (r.isDiscrete()) {
		gst_structure_set(s, "width", G_TYPE_INT, (gint)r.minWidth, "height", G_TYPE_INT,
				  (gint)r.minHeight, nullptr);
		return;
	}
	GValue w = G_VALUE_INIT, h = G_VALUE_INIT;
	g_value_init(&w, GST_TYPE_INT_RANGE);
	g_value_init(&h, GST_TYPE_INT_RANGE);
	if (r.stepWidth > 1)
		gst_value_set_int_range_step(&w, r.minWidth, r.maxWidth, r.stepWidth);
	else
		gst_value_set_int_range(&w, r.minWidth, r.maxWidth);
	if (r.stepHeight > 1)
		gst_value_set_int_range_step(&h, r.minHeight, r.maxHeight, r.stepHeight);
	else
		gst_value_set_int_range(&h, r.minHeight, r.maxHeight);
	gst_structure_take_value(s, "width", &w);
	gst_structure_take_value(s, "height", &h);
}

void setRates(GstStructure *s, const std::vector<std::pair<uint32_t, uint32_t>> &rates)
{
	if (rates.empty()) {
		gst_structure_set(s, "framerate", GST_TYPE_FRACTION_RANGE, 0, 1, G_MAXINT, 1,
				  nullptr);
		return;
	}
	if (rates.size() == 1) {
		gst_structure_set(s, "framerate", GST_TYPE_FRACTION, (gint)rates[0].first,
				  (gint)rates[0].second, nullptr);
		return;
	}
	GValue list = G_VALUE_INIT;
	gst_value_list_init(&list, rates.size());
	for (const auto &[n, d] : rates) {
		GValue f = G_VALUE_INIT;
		g_value_init(&f, GST_TYPE_FRACTION);
		gst_value_set_fraction(&f, (gint)n, (gint)d);
		gst_value_list_append_and_take_value(&list, &f);
	}
	gst_structure_take_value(s, "framerate", &list);
}

} /* namespace */

GstCaps *probeRawCaps(const v4l2::VideoDevice &dev, uint32_t type)
{
	GstCaps *caps = gst_caps_new_empty();
	const bool capture = !v4l2::isOutputType(type);
	for (const auto &f : dev.enumFormats(type)) {
		if (f.flags & (V4L2_FMT_FLAG_EMULATED | V4L2_FMT_FLAG_COMPRESSED))
			continue;
		GstVideoFormat vf = v4l2::videoFormatFromFourcc(f.fourcc);
		if (vf == GST_VIDEO_FORMAT_UNKNOWN)
			continue;
		auto sizes = dev.enumFrameSizes(f.fourcc);
		if (sizes.empty())
			sizes.push_back({ 1, 32768, 1, 1, 32768, 1 });
		for (const auto &r : sizes) {
			GstStructure *s =
				gst_structure_new("video/x-raw", "format", G_TYPE_STRING,
						  gst_video_format_to_string(vf), nullptr);
			setSize(s, r);
			if (capture && r.isDiscrete())
				setRates(s, dev.enumFrameRates(f.fourcc, r.minWidth, r.minHeight));
			else
				setRates(s, {});
			caps = gst_caps_merge_structure(caps, s);
		}
	}
	return caps;
}

GstCaps *cachedRawCaps(const v4l2::VideoDevice &dev, uint32_t type)
{
	static std::mutex lock;
	static std::map<std::string, GstCaps *> cache; /* lives as long as the plugin */
	const auto &i = dev.info();
	std::string key = i.path + "|" + i.driver + "|" + i.card + "|" + i.busInfo + "|" +
			  std::to_string(type);
	std::lock_guard<std::mutex> g(lock);
	auto it = cache.find(key);
	if (it == cache.end())
		it = cache.emplace(key, probeRawCaps(dev, type)).first;
	return gst_caps_ref(it->second);
}

GstCaps *probeCodecCaps(const v4l2::VideoDevice &dev, uint32_t type)
{
	GstCaps *caps = gst_caps_new_empty();
	for (const auto &f : dev.enumFormats(type)) {
		const auto *c = v4l2::codecFromFourcc(f.fourcc);
		if (!c)
			continue;
		std::string str = std::string(c->mediaType) + c->extra;
		GstCaps *one = gst_caps_from_string(str.c_str());
		auto sizes = dev.enumFrameSizes(f.fourcc);
		GstStructure *s = gst_caps_get_structure(one, 0);
		if (!sizes.empty())
			setSize(s, sizes[0]);
		caps = gst_caps_merge(caps, one);
	}
	return caps;
}

GstCaps *allRawCaps()
{
	GstCaps *caps = gst_caps_new_empty();
	for (const auto &m : v4l2::rawFormatMappings()) {
		GstStructure *s = gst_structure_new(
			"video/x-raw", "format", G_TYPE_STRING,
			gst_video_format_to_string(m.format), "width", GST_TYPE_INT_RANGE, 1, 32768,
			"height", GST_TYPE_INT_RANGE, 1, 32768, "framerate",
			GST_TYPE_FRACTION_RANGE, 0, 1, G_MAXINT, 1, nullptr);
		caps = gst_caps_merge_structure(caps, s);
	}
	return gst_caps_simplify(caps);
}

GstCaps *allCodecCaps()
{
	GstCaps *caps = gst_caps_new_empty();
	for (const auto &c : v4l2::codecMappings()) {
		std::string str = std::string(c.mediaType) + c.extra;
		caps = gst_caps_merge(caps, gst_caps_from_string(str.c_str()));
	}
	return caps;
}

} /* namespace dmabufkit::gstv4l2 */

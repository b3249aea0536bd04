/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "kms_sink_caps.h"

#include <dmabufkit/base/pixel_format.h>

#include "kms_format.h"

using namespace dmabufkit;
using namespace dmabufkit::kms;

GstCaps *kms_sink_template_caps()
{
	size_t n = 0;
	const PixelFormatInfo *all = pixelFormats(&n);
	GValue list = G_VALUE_INIT;
	gst_value_list_init(&list, n);
	for (size_t i = 0; i < n; ++i) {
		if (!all[i].drmFourcc)
			continue;
		GValue v = G_VALUE_INIT;
		g_value_init(&v, G_TYPE_STRING);
		g_value_set_string(&v, std::string(all[i].name).c_str());
		gst_value_list_append_and_take_value(&list, &v);
	}
	GstCaps *caps = gst_caps_new_simple("video/x-raw", "width", GST_TYPE_INT_RANGE, 1, G_MAXINT,
					    "height", GST_TYPE_INT_RANGE, 1, G_MAXINT, "framerate",
					    GST_TYPE_FRACTION_RANGE, 0, 1, G_MAXINT, 1, nullptr);
	gst_caps_set_value(caps, "format", &list);
	g_value_unset(&list);
	return caps;
}

GstCaps *kms_sink_device_caps(const KmsDevice &dev)
{
	auto formats = gstFormatsForPlane(dev.planeFormats());
	GValue list = G_VALUE_INIT;
	gst_value_list_init(&list, formats.size());
	for (const auto &f : formats) {
		GValue v = G_VALUE_INIT;
		g_value_init(&v, G_TYPE_STRING);
		g_value_set_string(&v, f.c_str());
		gst_value_list_append_and_take_value(&list, &v);
	}
	gint maxW = dev.maxWidth() ? gint(dev.maxWidth()) : G_MAXINT;
	gint maxH = dev.maxHeight() ? gint(dev.maxHeight()) : G_MAXINT;
	GstCaps *caps = gst_caps_new_simple("video/x-raw", "width", GST_TYPE_INT_RANGE, 1, maxW,
					    "height", GST_TYPE_INT_RANGE, 1, maxH, "framerate",
					    GST_TYPE_FRACTION_RANGE, 0, 1, G_MAXINT, 1, nullptr);
	gst_caps_set_value(caps, "format", &list);
	g_value_unset(&list);
	return caps;
}

std::string kms_sink_plane_format_names(const KmsDevice &dev)
{
	std::string s;
	for (const auto &f : gstFormatsForPlane(dev.planeFormats()))
		s += (s.empty() ? "" : ", ") + f;
	return s;
}

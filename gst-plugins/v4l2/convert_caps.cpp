/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "convert_caps.h"

namespace dmabufkit::gstv4l2 {

namespace {

/* Fields the device changes: they come from its other queue's caps. */
constexpr const char *kConverted[] = { "format",      "width",	     "height",
				       "colorimetry", "chroma-site", "pixel-aspect-ratio" };

GstCaps *otherSide(GstCaps *caps, GstCaps *from, GstCaps *to)
{
	GstCaps *out = gst_caps_new_empty();
	for (guint i = 0; i < gst_caps_get_size(caps); ++i) {
		GstCaps *one = gst_caps_copy_nth(caps, i);
		/* Only plain system-memory video/x-raw: dma-bufs travel as that in 1.22. */
		GstCapsFeatures *f = gst_caps_get_features(one, 0);
		const bool plain =
			!f || gst_caps_features_is_equal(f, GST_CAPS_FEATURES_MEMORY_SYSTEM_MEMORY);
		if (!plain || !gst_caps_can_intersect(one, from)) {
			gst_caps_unref(one);
			continue;
		}
		GstStructure *s = gst_caps_get_structure(one, 0);
		for (const char *field : kConverted)
			gst_structure_remove_field(s, field);
		out = gst_caps_merge(out,
				     gst_caps_intersect_full(one, to, GST_CAPS_INTERSECT_FIRST));
		gst_caps_unref(one);
	}
	return out;
}

} /* namespace */

GstCaps *convertTransformCaps(GstPadDirection direction, GstCaps *caps, GstCaps *deviceIn,
			      GstCaps *deviceOut, GstCaps *filter)
{
	const bool fromSink = direction == GST_PAD_SINK;
	GstCaps *result = gst_caps_copy(caps);
	if (deviceIn && deviceOut)
		result = gst_caps_merge(result, otherSide(caps, fromSink ? deviceIn : deviceOut,
							  fromSink ? deviceOut : deviceIn));
	if (filter) {
		GstCaps *f = gst_caps_intersect_full(filter, result, GST_CAPS_INTERSECT_FIRST);
		gst_caps_unref(result);
		result = f;
	}
	return result;
}

GstCaps *convertFixateCaps(GstCaps *caps, GstCaps *othercaps)
{
	/* Passthrough when downstream takes the input as it is. */
	GstCaps *same = gst_caps_intersect_full(othercaps, caps, GST_CAPS_INTERSECT_FIRST);
	if (!gst_caps_is_empty(same)) {
		gst_caps_unref(othercaps);
		return gst_caps_fixate(same);
	}
	gst_caps_unref(same);
	const GstStructure *in = gst_caps_get_structure(caps, 0);
	const char *format = gst_structure_get_string(in, "format");
	gint width = 0, height = 0, fpsN = 0, fpsD = 1;
	gst_structure_get_int(in, "width", &width);
	gst_structure_get_int(in, "height", &height);
	const bool haveRate = gst_structure_get_fraction(in, "framerate", &fpsN, &fpsD);

	/* The first structure that offers the input's format, else the first. */
	guint pick = 0;
	for (guint i = 0; format && i < gst_caps_get_size(othercaps); ++i) {
		GstStructure *probe = gst_structure_copy(gst_caps_get_structure(othercaps, i));
		const bool has = gst_structure_fixate_field_string(probe, "format", format) &&
				 g_strcmp0(gst_structure_get_string(probe, "format"), format) == 0;
		gst_structure_free(probe);
		if (has) {
			pick = i;
			break;
		}
	}
	GstCaps *out = gst_caps_copy_nth(othercaps, pick);
	gst_caps_unref(othercaps);
	GstStructure *s = gst_caps_get_structure(out, 0);
	if (format)
		gst_structure_fixate_field_string(s, "format", format);
	if (width)
		gst_structure_fixate_field_nearest_int(s, "width", width);
	if (height)
		gst_structure_fixate_field_nearest_int(s, "height", height);
	if (haveRate && gst_structure_has_field(s, "framerate"))
		gst_structure_fixate_field_nearest_fraction(s, "framerate", fpsN, fpsD);
	return gst_caps_fixate(out);
}

} /* namespace dmabufkit::gstv4l2 */

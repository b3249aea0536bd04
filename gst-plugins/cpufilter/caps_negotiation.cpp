/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "caps_negotiation.h"

#include <algorithm>
#include <iterator>

#include "kernels/frame_ops.h"

namespace dmabufkit::cpufilter {

namespace {

constexpr KernelFormat kAllFormats[] = {
	KernelFormat::YUY2,  KernelFormat::UYVY,  KernelFormat::NV12, KernelFormat::I420,
	KernelFormat::BGRx,  KernelFormat::BGRA,  KernelFormat::xRGB, KernelFormat::ARGB,
	KernelFormat::RGB16, KernelFormat::GRAY8,
};

/* The formats a caps structure names; all of ours when it names none. */
std::vector<KernelFormat> formatsOf(const GstStructure *s)
{
	std::vector<KernelFormat> out;
	const GValue *v = gst_structure_get_value(s, "format");
	if (!v)
		return { std::begin(kAllFormats), std::end(kAllFormats) };
	auto add = [&](const GValue *item) {
		if (G_VALUE_HOLDS_STRING(item)) {
			KernelFormat f = kernelFormatFromName(g_value_get_string(item));
			if (f != KernelFormat::Unknown)
				out.push_back(f);
		}
	};
	if (GST_VALUE_HOLDS_LIST(v)) {
		for (guint i = 0; i < gst_value_list_get_size(v); ++i)
			add(gst_value_list_get_value(v, i));
	} else {
		add(v);
	}
	return out;
}

void setFormatList(GstStructure *s, const std::vector<KernelFormat> &formats)
{
	if (formats.size() == 1) {
		gst_structure_set(s, "format", G_TYPE_STRING, kernelFormatName(formats[0]),
				  nullptr);
		return;
	}
	GValue list = G_VALUE_INIT, item = G_VALUE_INIT;
	gst_value_list_init(&list, formats.size());
	g_value_init(&item, G_TYPE_STRING);
	for (KernelFormat f : formats) {
		g_value_set_string(&item, kernelFormatName(f));
		gst_value_list_append_value(&list, &item);
	}
	gst_structure_take_value(s, "format", &list);
	g_value_unset(&item);
}

/* Scale: the source side may be any size up to the sink side's. */
void widenSize(GstStructure *s, GstPadDirection direction)
{
	for (const char *field : { "width", "height" }) {
		const GValue *v = gst_structure_get_value(s, field);
		if (!v)
			continue;
		gint lo = 1, hi = G_MAXINT;
		if (G_VALUE_HOLDS_INT(v)) {
			lo = hi = g_value_get_int(v);
		} else if (GST_VALUE_HOLDS_INT_RANGE(v)) {
			lo = gst_value_get_int_range_min(v);
			hi = gst_value_get_int_range_max(v);
		}
		if (direction == GST_PAD_SINK)
			lo = 1;
		else
			hi = G_MAXINT;
		if (lo == hi)
			gst_structure_set(s, field, G_TYPE_INT, lo, nullptr);
		else
			gst_structure_set(s, field, GST_TYPE_INT_RANGE, lo, hi, nullptr);
	}
	gst_structure_remove_field(s, "pixel-aspect-ratio");
}

bool contains(const std::vector<KernelFormat> &v, KernelFormat f)
{
	return std::find(v.begin(), v.end(), f) != v.end();
}

/* A copy of \a s with \a formats, appended to \a result. */
void appendStructure(GstCaps *result, const GstStructure *s,
		     const std::vector<KernelFormat> &formats, bool keepColorimetry, Operation op,
		     GstPadDirection direction)
{
	GstStructure *c = gst_structure_copy(s);
	setFormatList(c, formats);
	if (!keepColorimetry)
		gst_structure_remove_fields(c, "colorimetry", "chroma-site", nullptr);
	if (op == Operation::Scale)
		widenSize(c, direction);
	gst_caps_append_structure(result, c);
}

} /* namespace */

std::span<const KernelFormat> filterFormats()
{
	return kAllFormats;
}

std::vector<KernelFormat> peerFormats(Operation op, GstPadDirection direction, KernelFormat f)
{
	std::vector<KernelFormat> out;
	for (KernelFormat g : kAllFormats) {
		const KernelFormat in = direction == GST_PAD_SINK ? f : g;
		const KernelFormat o = direction == GST_PAD_SINK ? g : f;
		bool ok = false;
		switch (op) {
		case Operation::Convert:
			ok = canConvert(in, o);
			break;
		case Operation::Scale:
			ok = canScale(o) && canConvert(in, o);
			break;
		default:
			ok = in == o;
		}
		if (ok)
			out.push_back(g);
	}
	return out;
}

GstCaps *transformCaps(Operation op, GstPadDirection direction, const GstCaps *caps,
		       GstCaps *filter)
{
	GstCaps *result = gst_caps_new_empty();
	for (guint i = 0; i < gst_caps_get_size(caps); ++i) {
		const GstStructure *s = gst_caps_get_structure(caps, i);
		std::vector<KernelFormat> same, other;
		for (KernelFormat f : formatsOf(s)) {
			for (KernelFormat g : peerFormats(op, direction, f)) {
				auto &dst = (g == f) ? same : other;
				if (!contains(dst, g))
					dst.push_back(g);
			}
		}
		other.erase(std::remove_if(other.begin(), other.end(),
					   [&](KernelFormat g) { return contains(same, g); }),
			    other.end());
		if (!same.empty())
			appendStructure(result, s, same, true, op, direction);
		if (!other.empty())
			appendStructure(result, s, other, false, op, direction);
		if (direction == GST_PAD_SRC) {
			/* Upstream may still offer what we cannot turn into these caps:
			 * accept it, so the CAPS event reaches the element and it can say
			 * why instead of a bare not-negotiated upstream. */
			std::vector<KernelFormat> rest;
			for (KernelFormat f : kAllFormats)
				if (!contains(same, f) && !contains(other, f))
					rest.push_back(f);
			if (!rest.empty())
				appendStructure(result, s, rest, false, op, direction);
		}
	}
	if (filter) {
		GstCaps *tmp = gst_caps_intersect_full(filter, result, GST_CAPS_INTERSECT_FIRST);
		gst_caps_unref(result);
		result = tmp;
	}
	return result;
}

GstCaps *fixateCaps(const GstCaps *caps, GstCaps *othercaps)
{
	othercaps = gst_caps_truncate(othercaps);
	othercaps = gst_caps_make_writable(othercaps);
	GstStructure *o = gst_caps_get_structure(othercaps, 0);
	const GstStructure *in = gst_caps_get_structure(caps, 0);
	const gchar *fmt = gst_structure_get_string(in, "format");
	if (fmt && gst_structure_has_field(o, "format"))
		gst_structure_fixate_field_string(o, "format", fmt);
	for (const char *field : { "width", "height" }) {
		gint v;
		if (gst_structure_get_int(in, field, &v) && gst_structure_has_field(o, field))
			gst_structure_fixate_field_nearest_int(o, field, v);
	}
	gint n, d;
	if (gst_structure_get_fraction(in, "pixel-aspect-ratio", &n, &d) &&
	    gst_structure_has_field(o, "pixel-aspect-ratio"))
		gst_structure_fixate_field_nearest_fraction(o, "pixel-aspect-ratio", n, d);
	return gst_caps_fixate(othercaps);
}

std::optional<std::string> whyNotProcessable(Operation op, const GstVideoInfo &in,
					     const GstVideoInfo &out)
{
	const KernelFormat inFormat = kernelFormatFromName(GST_VIDEO_INFO_NAME(&in));
	const KernelFormat outFormat = kernelFormatFromName(GST_VIDEO_INFO_NAME(&out));
	const bool sameSize = GST_VIDEO_INFO_WIDTH(&in) == GST_VIDEO_INFO_WIDTH(&out) &&
			      GST_VIDEO_INFO_HEIGHT(&in) == GST_VIDEO_INFO_HEIGHT(&out);
	if (inFormat == KernelFormat::Unknown || outFormat == KernelFormat::Unknown)
		return "unsupported format";
	if (op == Operation::Scale) {
		if (!canScale(outFormat) || !canConvert(inFormat, outFormat))
			return "scale outputs 4-byte RGB or GRAY8 from a format it can convert";
		if (GST_VIDEO_INFO_WIDTH(&out) > GST_VIDEO_INFO_WIDTH(&in) ||
		    GST_VIDEO_INFO_HEIGHT(&out) > GST_VIDEO_INFO_HEIGHT(&in))
			return "scale only makes frames smaller";
		return std::nullopt;
	}
	if (!sameSize)
		return "only operation=scale changes the size";
	if (op == Operation::Convert) {
		if (!canConvert(inFormat, outFormat))
			return std::string("no conversion from ") + kernelFormatName(inFormat) +
			       " to " + kernelFormatName(outFormat);
		return std::nullopt;
	}
	if (inFormat != outFormat)
		return "this operation keeps the format";
	return std::nullopt;
}

ProcessingPlan planProcessing(Operation op, bool capsEqual)
{
	/* Convert, scale and snapshot leave a frame as it is when the caps match. */
	const bool noop =
		op == Operation::Convert || op == Operation::Snapshot || op == Operation::Scale;
	ProcessingPlan plan;
	plan.passthrough = capsEqual && noop;
	plan.inPlaceCapable = capsEqual && (op == Operation::Invert || op == Operation::Grayscale);
	return plan;
}

} /* namespace dmabufkit::cpufilter */

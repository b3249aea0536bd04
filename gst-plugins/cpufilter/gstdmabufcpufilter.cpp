/* SPDX-License-Identifier: LGPL-2.1-or-later */
/**
 * SECTION:element-dmabufcpufilter
 * @title: dmabufcpufilter
 *
 * Software video processing on dma-bufs, through the dmabufkit allocator's
 * cached mapping: each input and output buffer is mapped once per frame (one
 * DMA_BUF_IOCTL_SYNC START/END pair per dma-buf, READ on the input, WRITE on
 * the output, no mmap per frame). Input dma-bufs from other allocators (for
 * example v4l2src io-mode=dmabuf) are imported once and kept. System memory
 * works too. Output buffers come from a dmabufkit pool laid out for the
 * constraints downstream states, so a KMS sink can scan them out.
 *
 * Operations (#GstDmabufCpuFilter:operation):
 *
 * - convert: YUY2, UYVY, NV12, I420 to BGRx, BGRA, xRGB, ARGB, RGB16, GRAY8
 *   (BT.601/BT.709/BT.2020, limited/full range from the input caps' colorimetry),
 *   and between the RGB and gray formats. Identical caps on both sides make
 *   the element pass buffers through untouched.
 * - invert, grayscale: in the buffer itself when it is writable, else into a
 *   pool buffer; same format on both sides.
 * - scale: to a smaller size (box or bilinear, #GstDmabufCpuFilter:scale-method),
 *   4-byte RGB or GRAY8 output, converting first when the input is YUV.
 * - snapshot: pass through and write snapshots.
 *
 * Snapshots (any operation): with #GstDmabufCpuFilter:snapshot-location set,
 * every Nth output frame (#GstDmabufCpuFilter:snapshot-interval) or the next
 * frame after the "snapshot" action signal is written as an 8-bit RGB PNG by
 * a worker thread; the stream never waits for it (a snapshot is dropped and
 * counted when two are still pending). A location whose folder is not
 * writable stops the element from starting with an error; a later write
 * failure posts a warning and the stream keeps running. Every written
 * snapshot posts an element message "dmabufcpufilter/snapshot" (fields
 * location, frame, error).
 *
 * SIMD kernels use Highway with run-time target selection; frames are split
 * over #GstDmabufCpuFilter:n-threads threads.
 *
 * ## Example
 * |[
 * gst-launch-1.0 v4l2src device=/dev/video4 io-mode=dmabuf ! video/x-raw,format=YUY2 \
 *     ! dmabufcpufilter ! video/x-raw,format=BGRx ! kmssink driver-name=vkms
 * gst-launch-1.0 videotestsrc num-buffers=100 ! dmabufcpufilter operation=scale \
 *     snapshot-location=thumb-%03d.png snapshot-interval=25 \
 *     ! video/x-raw,format=BGRx,width=160,height=120 ! fakesink
 * ]|
 */
#include "gstdmabufcpufilter.h"

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <unistd.h>

#include <dmabufkit/dmabufkit.h>
#include <gst/video/video.h>

#include "../elements.h"
#include "buffer_mapping.h"
#include "kernels/frame_ops.h"
#include "kernels/row_kernels.h"
#include "colorimetry.h"
#include "kernels/frame_png_writer.h"

GST_DEBUG_CATEGORY_STATIC(dmabuf_cpu_filter_debug);
#define GST_CAT_DEFAULT dmabuf_cpu_filter_debug

using namespace dmabufkit::cpufilter;
using namespace dmabufkit::video;

namespace {

enum class Operation { Convert, Invert, Grayscale, Scale, Snapshot };

/* How the negotiated caps are processed. */
enum class Mode { Passthrough, Process };

constexpr PixelFormat kAllFormats[] = {
	PixelFormat::YUY2,  PixelFormat::UYVY, PixelFormat::NV12, PixelFormat::I420,
	PixelFormat::BGRx,  PixelFormat::BGRA, PixelFormat::xRGB, PixelFormat::ARGB,
	PixelFormat::RGB16, PixelFormat::GRAY8,
};

struct FilterState {
	/* Properties (object lock). */
	Operation op = Operation::Convert;
	ScaleMethod scaleMethod = ScaleMethod::Bilinear;
	guint threads = 0;
	bool simd = true;
	std::string exporter = "auto";
	std::string snapshotLocation;
	guint snapshotInterval = 0;

	/* Negotiated (streaming thread, set_caps). */
	GstVideoInfo in{};
	GstVideoInfo out{};
	PixelFormat inFormat = PixelFormat::Unknown;
	PixelFormat outFormat = PixelFormat::Unknown;
	YuvCoefficients coeffs = yuvCoefficients(YuvMatrix::BT601, YuvRange::Limited);
	Mode mode = Mode::Process;
	bool inPlaceCapable = false;
	std::vector<uint8_t> scratch;

	/* Between start and stop. */
	std::unique_ptr<ThreadPool> pool;
	std::unique_ptr<FramePngWriter> writer;
	DbkAllocator *importer = nullptr;
	GstBufferPool *outputPool = nullptr; /* ref, kept for its statistics */
	std::atomic<bool> snapshotRequested{ false };
	guint64 frameNumber = 0;
	guint64 snapshotIndex = 0;

	std::atomic<guint64> frames{ 0 };
	std::atomic<guint64> passthroughFrames{ 0 };
	std::atomic<guint64> inPlaceFrames{ 0 };
	std::atomic<guint64> inputMaps{ 0 };
	std::atomic<guint64> outputMaps{ 0 };
	std::atomic<guint64> dmabufInputs{ 0 };
	std::atomic<guint64> invalidDropped{ 0 };
	std::atomic<guint64> snapshotsWritten{ 0 };
	std::atomic<guint64> snapshotsFailed{ 0 };
	std::atomic<guint64> snapshotsDropped{ 0 };
};

} /* namespace */

struct _GstDmabufCpuFilter {
	GstBaseTransform parent;
	FilterState *state;
};

enum {
	PROP_0,
	PROP_OPERATION,
	PROP_SCALE_METHOD,
	PROP_N_THREADS,
	PROP_USE_SIMD,
	PROP_EXPORTER,
	PROP_SNAPSHOT_LOCATION,
	PROP_SNAPSHOT_INTERVAL,
	PROP_STATS,
	PROP_POOL_STATS,
};

#define CPU_FILTER_CAPS \
	GST_VIDEO_CAPS_MAKE("{ YUY2, UYVY, NV12, I420, BGRx, BGRA, xRGB, ARGB, RGB16, GRAY8 }")

static GstStaticPadTemplate sink_template =
	GST_STATIC_PAD_TEMPLATE("sink", GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS(CPU_FILTER_CAPS));
static GstStaticPadTemplate src_template =
	GST_STATIC_PAD_TEMPLATE("src", GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS(CPU_FILTER_CAPS));

G_DEFINE_TYPE(GstDmabufCpuFilter, gst_dmabuf_cpu_filter, GST_TYPE_BASE_TRANSFORM)

GType gst_dmabuf_cpu_filter_operation_get_type(void)
{
	static GType type = 0;
	static const GEnumValue values[] = {
		{ static_cast<gint>(Operation::Convert), "Convert the format (pass through when the caps match)", "convert" },
		{ static_cast<gint>(Operation::Invert), "Invert every colour", "invert" },
		{ static_cast<gint>(Operation::Grayscale), "Remove the colour", "grayscale" },
		{ static_cast<gint>(Operation::Scale), "Scale down (thumbnails)", "scale" },
		{ static_cast<gint>(Operation::Snapshot), "Pass through, write snapshots", "snapshot" },
		{ 0, nullptr, nullptr },
	};
	if (g_once_init_enter(&type))
		g_once_init_leave(&type, g_enum_register_static("GstDmabufCpuFilterOperation", values));
	return type;
}

GType gst_dmabuf_cpu_filter_scale_method_get_type(void)
{
	static GType type = 0;
	static const GEnumValue values[] = {
		{ static_cast<gint>(ScaleMethod::Box), "Average of the covered pixels", "box" },
		{ static_cast<gint>(ScaleMethod::Bilinear), "Bilinear interpolation", "bilinear" },
		{ 0, nullptr, nullptr },
	};
	if (g_once_init_enter(&type))
		g_once_init_leave(&type, g_enum_register_static("GstDmabufCpuFilterScaleMethod", values));
	return type;
}

/* ---------------------------------------------------------------- caps */

static std::vector<PixelFormat> formats_of(const GstStructure *s)
{
	std::vector<PixelFormat> out;
	const GValue *v = gst_structure_get_value(s, "format");
	if (!v)
		return { std::begin(kAllFormats), std::end(kAllFormats) };
	auto add = [&](const GValue *item) {
		if (G_VALUE_HOLDS_STRING(item)) {
			PixelFormat f = pixelFormatFromName(g_value_get_string(item));
			if (f != PixelFormat::Unknown)
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

/* The formats on the other side of \a f for \a op. */
static std::vector<PixelFormat> peer_formats(Operation op, GstPadDirection direction, PixelFormat f)
{
	std::vector<PixelFormat> out;
	for (PixelFormat g : kAllFormats) {
		const PixelFormat in = direction == GST_PAD_SINK ? f : g;
		const PixelFormat o = direction == GST_PAD_SINK ? g : f;
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

static void set_format_list(GstStructure *s, const std::vector<PixelFormat> &formats)
{
	if (formats.size() == 1) {
		gst_structure_set(s, "format", G_TYPE_STRING, pixelFormatName(formats[0]), nullptr);
		return;
	}
	GValue list = G_VALUE_INIT, item = G_VALUE_INIT;
	gst_value_list_init(&list, formats.size());
	g_value_init(&item, G_TYPE_STRING);
	for (PixelFormat f : formats) {
		g_value_set_string(&item, pixelFormatName(f));
		gst_value_list_append_value(&list, &item);
	}
	gst_structure_take_value(s, "format", &list);
	g_value_unset(&item);
}

/* Scale: the source side may be any size up to the sink side's. */
static void widen_size(GstStructure *s, GstPadDirection direction)
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

static Operation current_op(GstDmabufCpuFilter *self)
{
	GST_OBJECT_LOCK(self);
	Operation op = self->state->op;
	GST_OBJECT_UNLOCK(self);
	return op;
}

static GstCaps *gst_dmabuf_cpu_filter_transform_caps(GstBaseTransform *trans,
						     GstPadDirection direction, GstCaps *caps,
						     GstCaps *filter)
{
	auto *self = GST_DMABUF_CPU_FILTER(trans);
	const Operation op = current_op(self);
	GstCaps *result = gst_caps_new_empty();
	for (guint i = 0; i < gst_caps_get_size(caps); ++i) {
		const GstStructure *s = gst_caps_get_structure(caps, i);
		const auto formats = formats_of(s);
		/* Formats kept as they are come first, with their colorimetry, so
		 * identical caps (passthrough) win when downstream accepts them. */
		std::vector<PixelFormat> same, other;
		for (PixelFormat f : formats) {
			for (PixelFormat g : peer_formats(op, direction, f)) {
				auto &dst = (g == f) ? same : other;
				if (std::find(dst.begin(), dst.end(), g) == dst.end())
					dst.push_back(g);
			}
		}
		other.erase(std::remove_if(other.begin(), other.end(),
					   [&](PixelFormat g) {
						   return std::find(same.begin(), same.end(), g) !=
							  same.end();
					   }),
			    other.end());
		if (!same.empty()) {
			GstStructure *c = gst_structure_copy(s);
			set_format_list(c, same);
			if (op == Operation::Scale)
				widen_size(c, direction);
			gst_caps_append_structure(result, c);
		}
		if (!other.empty()) {
			GstStructure *c = gst_structure_copy(s);
			set_format_list(c, other);
			gst_structure_remove_fields(c, "colorimetry", "chroma-site", nullptr);
			if (op == Operation::Scale)
				widen_size(c, direction);
			gst_caps_append_structure(result, c);
		}
		if (direction == GST_PAD_SRC) {
			/* Upstream may still offer what we cannot turn into these caps:
			 * accept it, so the CAPS event reaches us and we can say why
			 * (see sink_event) instead of a bare not-negotiated upstream. */
			std::vector<PixelFormat> rest;
			for (PixelFormat f : kAllFormats)
				if (std::find(same.begin(), same.end(), f) == same.end() &&
				    std::find(other.begin(), other.end(), f) == other.end())
					rest.push_back(f);
			if (!rest.empty()) {
				GstStructure *c = gst_structure_copy(s);
				set_format_list(c, rest);
				gst_structure_remove_fields(c, "colorimetry", "chroma-site", nullptr);
				if (op == Operation::Scale)
					widen_size(c, direction);
				gst_caps_append_structure(result, c);
			}
		}
	}
	if (filter) {
		GstCaps *tmp = gst_caps_intersect_full(filter, result, GST_CAPS_INTERSECT_FIRST);
		gst_caps_unref(result);
		result = tmp;
	}
	GST_DEBUG_OBJECT(self, "%s %" GST_PTR_FORMAT " -> %" GST_PTR_FORMAT,
			 direction == GST_PAD_SINK ? "sink" : "src", caps, result);
	return result;
}

static GstCaps *gst_dmabuf_cpu_filter_fixate_caps(GstBaseTransform *trans, GstPadDirection direction,
						  GstCaps *caps, GstCaps *othercaps)
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

static gboolean gst_dmabuf_cpu_filter_sink_event(GstBaseTransform *trans, GstEvent *event)
{
	auto *self = GST_DMABUF_CPU_FILTER(trans);
	if (GST_EVENT_TYPE(event) == GST_EVENT_CAPS) {
		GstCaps *caps = nullptr;
		gst_event_parse_caps(event, &caps);
		GstCaps *possible =
			gst_dmabuf_cpu_filter_transform_caps(trans, GST_PAD_SINK, caps, nullptr);
		GstCaps *accepted = gst_pad_peer_query_caps(GST_BASE_TRANSFORM_SRC_PAD(trans), possible);
		const bool ok = !gst_caps_is_empty(accepted);
		gst_caps_unref(accepted);
		if (!ok) {
			GstCaps *downstream =
				gst_pad_peer_query_caps(GST_BASE_TRANSFORM_SRC_PAD(trans), nullptr);
			const GstStructure *s = gst_caps_get_structure(caps, 0);
			const gchar *fmt = s ? gst_structure_get_string(s, "format") : nullptr;
			gchar *in = gst_caps_to_string(caps);
			gchar *can = gst_caps_to_string(possible);
			gchar *down = gst_caps_to_string(downstream);
			GST_ELEMENT_ERROR(self, CORE, NEGOTIATION,
					  ("dmabufcpufilter cannot turn %s into any format downstream "
					   "accepts with operation \"%s\"",
					   fmt ? fmt : "this input",
					   g_enum_get_value(static_cast<GEnumClass *>(g_type_class_peek(
								    GST_TYPE_DMABUF_CPU_FILTER_OPERATION)),
							    static_cast<gint>(current_op(self)))
						   ->value_nick),
					  ("input: %s; this element can output: %s; downstream accepts: %s",
					   in, can, down));
			g_free(in);
			g_free(can);
			g_free(down);
			gst_caps_unref(downstream);
			gst_caps_unref(possible);
			gst_event_unref(event);
			return FALSE;
		}
		gst_caps_unref(possible);
	}
	return GST_BASE_TRANSFORM_CLASS(gst_dmabuf_cpu_filter_parent_class)->sink_event(trans, event);
}

static YuvCoefficients coefficients_for(GstDmabufCpuFilter *self, const GstVideoInfo &info)
{
	if (!yuvMatrixSupported(info.colorimetry.matrix))
		GST_WARNING_OBJECT(self, "colour matrix %d not supported, converting as BT.601",
				   info.colorimetry.matrix);
	return yuvCoefficientsFor(info.colorimetry);
}

static gboolean gst_dmabuf_cpu_filter_set_caps(GstBaseTransform *trans, GstCaps *incaps,
					       GstCaps *outcaps)
{
	auto *self = GST_DMABUF_CPU_FILTER(trans);
	FilterState *st = self->state;
	if (!gst_video_info_from_caps(&st->in, incaps) || !gst_video_info_from_caps(&st->out, outcaps)) {
		GST_ELEMENT_ERROR(self, CORE, NEGOTIATION, ("Invalid video caps"),
				  ("in %" GST_PTR_FORMAT " out %" GST_PTR_FORMAT, incaps, outcaps));
		return FALSE;
	}
	st->inFormat = pixelFormatFromName(GST_VIDEO_INFO_NAME(&st->in));
	st->outFormat = pixelFormatFromName(GST_VIDEO_INFO_NAME(&st->out));
	const Operation op = current_op(self);
	const bool sameSize = GST_VIDEO_INFO_WIDTH(&st->in) == GST_VIDEO_INFO_WIDTH(&st->out) &&
			      GST_VIDEO_INFO_HEIGHT(&st->in) == GST_VIDEO_INFO_HEIGHT(&st->out);
	const bool sameFormat = st->inFormat == st->outFormat;
	std::string why;
	if (st->inFormat == PixelFormat::Unknown || st->outFormat == PixelFormat::Unknown)
		why = "unsupported format";
	else if (op == Operation::Scale) {
		if (!canScale(st->outFormat) || !canConvert(st->inFormat, st->outFormat))
			why = "scale outputs 4-byte RGB or GRAY8 from a format it can convert";
		else if (GST_VIDEO_INFO_WIDTH(&st->out) > GST_VIDEO_INFO_WIDTH(&st->in) ||
			 GST_VIDEO_INFO_HEIGHT(&st->out) > GST_VIDEO_INFO_HEIGHT(&st->in))
			why = "scale only makes frames smaller";
	} else if (!sameSize) {
		why = "only operation=scale changes the size";
	} else if (op == Operation::Convert) {
		if (!canConvert(st->inFormat, st->outFormat))
			why = std::string("no conversion from ") + pixelFormatName(st->inFormat) + " to " +
			      pixelFormatName(st->outFormat);
	} else if (!sameFormat) {
		why = "this operation keeps the format";
	}
	if (!why.empty()) {
		GST_ELEMENT_ERROR(self, CORE, NEGOTIATION, ("Cannot process these caps: %s", why.c_str()),
				  ("in %" GST_PTR_FORMAT " out %" GST_PTR_FORMAT, incaps, outcaps));
		return FALSE;
	}
	st->coeffs = coefficients_for(self, st->in);
	const bool equal = gst_caps_is_equal(incaps, outcaps);
	const bool noop = op == Operation::Convert || op == Operation::Snapshot || op == Operation::Scale;
	st->mode = (equal && noop) ? Mode::Passthrough : Mode::Process;
	st->inPlaceCapable = equal && (op == Operation::Invert || op == Operation::Grayscale);
	gst_base_transform_set_passthrough(trans, st->mode == Mode::Passthrough);
	gst_base_transform_set_in_place(trans, FALSE);
	GST_INFO_OBJECT(self, "%s -> %s, %s, %s %s range, SIMD target %s",
			pixelFormatName(st->inFormat), pixelFormatName(st->outFormat),
			st->mode == Mode::Passthrough ? "passthrough" : "processing",
			st->coeffs.matrix == YuvMatrix::BT709	 ? "BT.709"
			: st->coeffs.matrix == YuvMatrix::BT2020 ? "BT.2020"
								 : "BT.601",
			st->coeffs.range == YuvRange::Full ? "full" : "limited", simdTargetName());
	return TRUE;
}

static gboolean gst_dmabuf_cpu_filter_get_unit_size(GstBaseTransform *trans, GstCaps *caps,
						    gsize *size)
{
	GstVideoInfo info;
	if (!gst_video_info_from_caps(&info, caps))
		return FALSE;
	*size = GST_VIDEO_INFO_SIZE(&info);
	return TRUE;
}

/* ---------------------------------------------------------- allocation */

static gboolean gst_dmabuf_cpu_filter_propose_allocation(GstBaseTransform *trans, GstQuery *decide,
							 GstQuery *query)
{
	if (!decide) /* passthrough: downstream answers */
		return GST_BASE_TRANSFORM_CLASS(gst_dmabuf_cpu_filter_parent_class)
			->propose_allocation(trans, decide, query);
	/* We read any layout upstream produces. */
	gst_query_add_allocation_meta(query, GST_VIDEO_META_API_TYPE, nullptr);
	return TRUE;
}

/* Output in system memory: downstream's pool if it offered one, else ours. */
static GstBufferPool *system_memory_pool(GstDmabufCpuFilter *self, GstQuery *query)
{
	GstCaps *caps = nullptr;
	gst_query_parse_allocation(query, &caps, nullptr);
	GstVideoInfo info;
	if (!caps || !gst_video_info_from_caps(&info, caps)) {
		GST_ELEMENT_ERROR(self, CORE, NEGOTIATION, ("No video caps in the allocation query"), (nullptr));
		return nullptr;
	}
	GstBufferPool *pool = nullptr;
	guint size = 0, min = 0, max = 0;
	if (gst_query_get_n_allocation_pools(query) > 0)
		gst_query_parse_nth_allocation_pool(query, 0, &pool, &size, &min, &max);
	if (!pool) {
		pool = gst_video_buffer_pool_new();
		size = 0;
	}
	min = MAX(min, 2u);
	GstStructure *config = gst_buffer_pool_get_config(pool);
	gst_buffer_pool_config_set_params(config, caps, MAX(size, static_cast<guint>(info.size)), min, max);
	gst_buffer_pool_config_add_option(config, GST_BUFFER_POOL_OPTION_VIDEO_META);
	if (!gst_buffer_pool_set_config(pool, config) &&
	    !gst_buffer_pool_set_config(pool, gst_buffer_pool_get_config(pool))) {
		GST_ELEMENT_ERROR(self, RESOURCE, SETTINGS,
				  ("Cannot allocate output buffers for %" GST_PTR_FORMAT, caps),
				  ("system-memory pool configuration refused"));
		gst_object_unref(pool);
		return nullptr;
	}
	config = gst_buffer_pool_get_config(pool);
	gst_buffer_pool_config_get_params(config, nullptr, &size, &min, &max);
	gst_structure_free(config);
	if (gst_query_get_n_allocation_pools(query) > 0)
		gst_query_set_nth_allocation_pool(query, 0, pool, size, min, max);
	else
		gst_query_add_allocation_pool(query, pool, size, min, max);
	return pool;
}

static gboolean gst_dmabuf_cpu_filter_decide_allocation(GstBaseTransform *trans, GstQuery *query)
{
	auto *self = GST_DMABUF_CPU_FILTER(trans);
	FilterState *st = self->state;
	GST_OBJECT_LOCK(self);
	const std::string exporter = st->exporter;
	GST_OBJECT_UNLOCK(self);

	GstBufferPool *pool = nullptr;
	if (exporter != "system") {
		GError *err = nullptr;
		pool = dbk_buffer_pool_decide_allocation(query, exporter.c_str(), TRUE,
							 GST_OBJECT_NAME(self), &err);
		if (!pool) {
			if (exporter != "auto" || !g_error_matches(err, DBK_ERROR, DBK_ERROR_NO_EXPORTER)) {
				dbk_buffer_pool_post_allocation_error(GST_ELEMENT(self), exporter.c_str(), err);
				g_error_free(err);
				return FALSE;
			}
			/* No exporter that serves downstream (a machine without dma-buf
			 * heaps, udmabuf or DRM): work in system memory, as any filter would. */
			GST_INFO_OBJECT(self, "no dma-buf output (%s): system memory output", err->message);
			g_error_free(err);
		}
	}
	if (!pool && !(pool = system_memory_pool(self, query)))
		return FALSE;
	GST_INFO_OBJECT(self, "output pool %" GST_PTR_FORMAT " (exporter %s)", pool,
			DBK_IS_BUFFER_POOL(pool) ? dbk_buffer_pool_get_exporter_name(DBK_BUFFER_POOL(pool))
						 : "none, system memory");
	GST_OBJECT_LOCK(self);
	gst_object_replace(reinterpret_cast<GstObject **>(&st->outputPool), GST_OBJECT(pool));
	GST_OBJECT_UNLOCK(self);
	gst_object_unref(pool);
	return GST_BASE_TRANSFORM_CLASS(gst_dmabuf_cpu_filter_parent_class)->decide_allocation(trans, query);
}

/* ------------------------------------------------------------ snapshot */

static void post_snapshot_message(GstDmabufCpuFilter *self, const std::string &path, guint64 frame,
				  const std::string &error)
{
	GstStructure *s = gst_structure_new("dmabufcpufilter/snapshot", "location", G_TYPE_STRING,
					    path.c_str(), "frame", G_TYPE_UINT64, frame, "error",
					    G_TYPE_STRING, error.c_str(), nullptr);
	gst_element_post_message(GST_ELEMENT(self), gst_message_new_element(GST_OBJECT(self), s));
}

static bool snapshot_due(FilterState *st, guint interval)
{
	st->frameNumber++;
	const bool requested = st->snapshotRequested.exchange(false);
	return requested || (interval > 0 && st->frameNumber % interval == 0);
}

/* Copy \a view into an RGB image (on the streaming thread: cheap next to PNG). */
static void take_snapshot(GstDmabufCpuFilter *self, const FrameView &view)
{
	FilterState *st = self->state;
	GST_OBJECT_LOCK(self);
	const std::string location = st->snapshotLocation;
	GST_OBJECT_UNLOCK(self);
	if (location.empty() || !st->writer)
		return;
	const PackedLayout l = packedLayout(PixelFormat::BGRx, view.width, view.height);
	std::vector<uint8_t> bgrx(l.size);
	FrameView tmp;
	tmp.format = PixelFormat::BGRx;
	tmp.width = view.width;
	tmp.height = view.height;
	tmp.data[0] = bgrx.data();
	tmp.stride[0] = l.stride[0];
	const std::string err = convertFrame(view, tmp, st->coeffs, KernelImpl::Simd, nullptr);
	if (!err.empty()) {
		GST_WARNING_OBJECT(self, "snapshot conversion failed: %s", err.c_str());
		st->snapshotsFailed++;
		return;
	}
	RgbImage image = packRgb888(Rgb32Order::BGRx, bgrx.data(), l.stride[0], view.width, view.height);
	const std::string path = formatFramePath(location, st->snapshotIndex);
	if (!st->writer->submit(path, std::move(image), st->frameNumber)) {
		st->snapshotsDropped++;
		GST_DEBUG_OBJECT(self, "snapshot writer busy, dropped %s", path.c_str());
		return;
	}
	st->snapshotIndex++;
}

static void gst_dmabuf_cpu_filter_snapshot_action(GstDmabufCpuFilter *self)
{
	self->state->snapshotRequested = true;
}

/* ------------------------------------------------------------ transform */

static GstFlowReturn gst_dmabuf_cpu_filter_prepare_output_buffer(GstBaseTransform *trans,
								 GstBuffer *inbuf, GstBuffer **outbuf)
{
	auto *self = GST_DMABUF_CPU_FILTER(trans);
	FilterState *st = self->state;
	if (st->mode == Mode::Passthrough) {
		*outbuf = inbuf;
		return GST_FLOW_OK;
	}
	if (st->inPlaceCapable && gst_buffer_is_writable(inbuf)) {
		bool writable = gst_buffer_n_memory(inbuf) > 0;
		for (guint i = 0; i < gst_buffer_n_memory(inbuf); ++i)
			writable = writable && gst_memory_is_writable(gst_buffer_peek_memory(inbuf, i));
		if (writable) {
			*outbuf = inbuf;
			return GST_FLOW_OK;
		}
	}
	return GST_BASE_TRANSFORM_CLASS(gst_dmabuf_cpu_filter_parent_class)
		->prepare_output_buffer(trans, inbuf, outbuf);
}

static ThreadPool *thread_pool(FilterState *st)
{
	return st->pool && st->pool->size() > 1 ? st->pool.get() : nullptr;
}

static std::string run_operation(FilterState *st, Operation op, ScaleMethod method, KernelImpl impl,
				 const FrameView &src, const FrameView &dst)
{
	ThreadPool *pool = thread_pool(st);
	switch (op) {
	case Operation::Invert:
		return invertFrame(src, dst, impl, pool);
	case Operation::Grayscale:
		return grayscaleFrame(src, dst, impl, pool);
	case Operation::Scale: {
		if (src.format == dst.format)
			return scaleFrame(src, dst, method, impl, pool);
		/* Convert at the input size first, then scale. */
		const PackedLayout l = packedLayout(dst.format, src.width, src.height);
		st->scratch.resize(l.size);
		FrameView mid;
		mid.format = dst.format;
		mid.width = src.width;
		mid.height = src.height;
		mid.data[0] = st->scratch.data();
		mid.stride[0] = l.stride[0];
		if (auto err = convertFrame(src, mid, st->coeffs, impl, pool); !err.empty())
			return err;
		return scaleFrame(mid, dst, method, impl, pool);
	}
	default:
		return convertFrame(src, dst, st->coeffs, impl, pool);
	}
}

static GstFlowReturn drop_invalid(GstDmabufCpuFilter *self, const std::string &why)
{
	self->state->invalidDropped++;
	GST_ELEMENT_WARNING(self, STREAM, FORMAT, ("Dropped an input buffer that holds no valid frame"),
			    ("%s", why.c_str()));
	return GST_BASE_TRANSFORM_FLOW_DROPPED;
}

static GstFlowReturn gst_dmabuf_cpu_filter_transform(GstBaseTransform *trans, GstBuffer *inbuf,
						     GstBuffer *outbuf)
{
	auto *self = GST_DMABUF_CPU_FILTER(trans);
	FilterState *st = self->state;
	GST_OBJECT_LOCK(self);
	const Operation op = st->op;
	const ScaleMethod method = st->scaleMethod;
	const KernelImpl impl = st->simd ? KernelImpl::Simd : KernelImpl::Scalar;
	const guint interval = st->snapshotLocation.empty() ? 0 : st->snapshotInterval;
	GST_OBJECT_UNLOCK(self);

	BufferMapping in(st->importer), out(st->importer);
	FrameView src, dst;
	bool badInput = false;
	const bool inPlace = inbuf == outbuf;
	std::string err = in.map(inbuf, st->in, st->inFormat,
				 inPlace ? static_cast<GstMapFlags>(GST_MAP_READWRITE) : GST_MAP_READ,
				 src, badInput);
	if (!err.empty()) {
		if (badInput)
			return drop_invalid(self, err);
		GST_ELEMENT_ERROR(self, RESOURCE, READ, ("Cannot map the input frame"), ("%s", err.c_str()));
		return GST_FLOW_ERROR;
	}
	st->inputMaps += in.memoryMaps();
	if (in.usedDmaBuf())
		st->dmabufInputs++;
	if (inPlace) {
		dst = src;
		st->inPlaceFrames++;
	} else {
		err = out.map(outbuf, st->out, st->outFormat, GST_MAP_WRITE, dst, badInput);
		if (!err.empty()) {
			GST_ELEMENT_ERROR(self, RESOURCE, WRITE, ("Cannot map the output buffer for writing"),
					  ("%s", err.c_str()));
			return GST_FLOW_ERROR;
		}
		st->outputMaps += out.memoryMaps();
	}
	err = run_operation(st, op, method, impl, src, dst);
	if (!err.empty()) {
		GST_ELEMENT_ERROR(self, STREAM, FAILED, ("Processing the frame failed"), ("%s", err.c_str()));
		return GST_FLOW_ERROR;
	}
	if (snapshot_due(st, interval))
		take_snapshot(self, dst);
	st->frames++;
	return GST_FLOW_OK;
}

/* Called in passthrough only: count, and read the frame when a snapshot is due. */
static GstFlowReturn gst_dmabuf_cpu_filter_transform_ip(GstBaseTransform *trans, GstBuffer *buf)
{
	auto *self = GST_DMABUF_CPU_FILTER(trans);
	FilterState *st = self->state;
	GST_OBJECT_LOCK(self);
	const guint interval = st->snapshotLocation.empty() ? 0 : st->snapshotInterval;
	const bool snapshots = !st->snapshotLocation.empty();
	GST_OBJECT_UNLOCK(self);
	st->frames++;
	st->passthroughFrames++;
	if (!snapshots || !snapshot_due(st, interval))
		return GST_FLOW_OK;
	BufferMapping in(st->importer);
	FrameView src;
	bool badInput = false;
	std::string err = in.map(buf, st->in, st->inFormat, GST_MAP_READ, src, badInput);
	if (!err.empty()) {
		GST_ELEMENT_WARNING(self, STREAM, FORMAT, ("No snapshot of this buffer"), ("%s", err.c_str()));
		return GST_FLOW_OK; /* passthrough: the buffer goes on untouched */
	}
	st->inputMaps += in.memoryMaps();
	take_snapshot(self, src);
	return GST_FLOW_OK;
}

/* ------------------------------------------------------------ lifecycle */

static gboolean gst_dmabuf_cpu_filter_start(GstBaseTransform *trans)
{
	auto *self = GST_DMABUF_CPU_FILTER(trans);
	FilterState *st = self->state;
	GST_OBJECT_LOCK(self);
	const std::string location = st->snapshotLocation;
	const Operation op = st->op;
	guint threads = st->threads;
	GST_OBJECT_UNLOCK(self);
	if (op == Operation::Snapshot && location.empty()) {
		GST_ELEMENT_ERROR(self, RESOURCE, SETTINGS, ("operation=snapshot needs snapshot-location"),
				  (nullptr));
		return FALSE;
	}
	if (!location.empty()) {
		std::string why;
		if (!validFramePathPattern(location, &why)) {
			GST_ELEMENT_ERROR(self, RESOURCE, SETTINGS, ("Invalid snapshot-location"),
					  ("%s", why.c_str()));
			return FALSE;
		}
		gchar *dir = g_path_get_dirname(location.c_str());
		const bool writable = access(dir, W_OK | X_OK) == 0;
		const int e = errno;
		if (!writable) {
			GST_ELEMENT_ERROR(self, RESOURCE, OPEN_WRITE,
					  ("Cannot write snapshots into \"%s\": %s", dir, g_strerror(e)),
					  ("snapshot-location=%s; access(\"%s\", W_OK|X_OK) failed",
					   location.c_str(), dir));
			g_free(dir);
			return FALSE;
		}
		g_free(dir);
		st->writer = std::make_unique<FramePngWriter>(
			[self](const std::string &path, uint64_t frame, const std::string &error) {
				FilterState *s = self->state;
				if (error.empty()) {
					s->snapshotsWritten++;
				} else {
					s->snapshotsFailed++;
					GST_ELEMENT_WARNING(self, RESOURCE, WRITE,
							    ("Could not write snapshot %s", path.c_str()),
							    ("%s", error.c_str()));
				}
				post_snapshot_message(self, path, frame, error);
			});
	}
	if (threads == 0)
		threads = std::max(1u, std::thread::hardware_concurrency());
	st->pool = std::make_unique<ThreadPool>(threads);
	st->importer = dbk_allocator_new();
	st->frameNumber = 0;
	st->snapshotIndex = 0;
	st->snapshotRequested = false;
	return TRUE;
}

static gboolean gst_dmabuf_cpu_filter_stop(GstBaseTransform *trans)
{
	auto *self = GST_DMABUF_CPU_FILTER(trans);
	FilterState *st = self->state;
	if (st->writer) {
		st->writer->flush();
		st->writer.reset();
	}
	st->pool.reset();
	if (st->importer) {
		gst_object_unref(st->importer);
		st->importer = nullptr;
	}
	return TRUE;
}

/* ----------------------------------------------------------- properties */

static GstStructure *stats_structure(GstDmabufCpuFilter *self)
{
	FilterState *st = self->state;
	DbkAccessStats imp{};
	GST_OBJECT_LOCK(self);
	if (st->importer)
		dbk_allocator_get_stats(st->importer, &imp);
	GST_OBJECT_UNLOCK(self);
	return gst_structure_new(
		"dmabufcpufilter/stats", "frames", G_TYPE_UINT64, st->frames.load(), "passthrough",
		G_TYPE_UINT64, st->passthroughFrames.load(), "in-place", G_TYPE_UINT64,
		st->inPlaceFrames.load(), "input-maps", G_TYPE_UINT64, st->inputMaps.load(),
		"output-maps", G_TYPE_UINT64, st->outputMaps.load(), "dmabuf-inputs", G_TYPE_UINT64,
		st->dmabufInputs.load(), "invalid-dropped", G_TYPE_UINT64, st->invalidDropped.load(),
		"snapshots-written", G_TYPE_UINT64, st->snapshotsWritten.load(), "snapshots-failed",
		G_TYPE_UINT64, st->snapshotsFailed.load(), "snapshots-dropped", G_TYPE_UINT64,
		st->snapshotsDropped.load(), "import-sync-starts", G_TYPE_UINT64, imp.sync_starts,
		"import-sync-ends", G_TYPE_UINT64, imp.sync_ends, "import-mmaps", G_TYPE_UINT64, imp.mmaps,
		"import-munmaps", G_TYPE_UINT64, imp.munmaps, "import-live", G_TYPE_UINT64, imp.live,
		"simd-target", G_TYPE_STRING, simdTargetName(), nullptr);
}

static void gst_dmabuf_cpu_filter_set_property(GObject *object, guint id, const GValue *value,
					       GParamSpec *pspec)
{
	auto *self = GST_DMABUF_CPU_FILTER(object);
	FilterState *st = self->state;
	GST_OBJECT_LOCK(self);
	switch (id) {
	case PROP_OPERATION:
		st->op = static_cast<Operation>(g_value_get_enum(value));
		break;
	case PROP_SCALE_METHOD:
		st->scaleMethod = static_cast<ScaleMethod>(g_value_get_enum(value));
		break;
	case PROP_N_THREADS:
		st->threads = g_value_get_uint(value);
		break;
	case PROP_USE_SIMD:
		st->simd = g_value_get_boolean(value);
		break;
	case PROP_EXPORTER: {
		const gchar *s = g_value_get_string(value);
		st->exporter = s ? s : "auto";
		break;
	}
	case PROP_SNAPSHOT_LOCATION: {
		const gchar *s = g_value_get_string(value);
		st->snapshotLocation = s ? s : "";
		break;
	}
	case PROP_SNAPSHOT_INTERVAL:
		st->snapshotInterval = g_value_get_uint(value);
		break;
	default:
		G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
	}
	GST_OBJECT_UNLOCK(self);
	if (id == PROP_OPERATION)
		gst_base_transform_reconfigure_src(GST_BASE_TRANSFORM(self));
}

static void gst_dmabuf_cpu_filter_get_property(GObject *object, guint id, GValue *value,
					       GParamSpec *pspec)
{
	auto *self = GST_DMABUF_CPU_FILTER(object);
	FilterState *st = self->state;
	switch (id) {
	case PROP_STATS:
		g_value_take_boxed(value, stats_structure(self));
		return;
	case PROP_POOL_STATS: {
		GST_OBJECT_LOCK(self);
		GstBufferPool *pool = st->outputPool ? GST_BUFFER_POOL(gst_object_ref(st->outputPool)) : nullptr;
		GST_OBJECT_UNLOCK(self);
		if (pool && DBK_IS_BUFFER_POOL(pool)) {
			g_value_take_boxed(value, dbk_buffer_pool_get_stats_structure(DBK_BUFFER_POOL(pool)));
			gst_object_unref(pool);
		} else {
			g_value_set_boxed(value, nullptr);
			if (pool)
				gst_object_unref(pool);
		}
		return;
	}
	default:
		break;
	}
	GST_OBJECT_LOCK(self);
	switch (id) {
	case PROP_OPERATION:
		g_value_set_enum(value, static_cast<gint>(st->op));
		break;
	case PROP_SCALE_METHOD:
		g_value_set_enum(value, static_cast<gint>(st->scaleMethod));
		break;
	case PROP_N_THREADS:
		g_value_set_uint(value, st->threads);
		break;
	case PROP_USE_SIMD:
		g_value_set_boolean(value, st->simd);
		break;
	case PROP_EXPORTER:
		g_value_set_string(value, st->exporter.c_str());
		break;
	case PROP_SNAPSHOT_LOCATION:
		g_value_set_string(value, st->snapshotLocation.empty() ? nullptr : st->snapshotLocation.c_str());
		break;
	case PROP_SNAPSHOT_INTERVAL:
		g_value_set_uint(value, st->snapshotInterval);
		break;
	default:
		G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
	}
	GST_OBJECT_UNLOCK(self);
}

static void gst_dmabuf_cpu_filter_finalize(GObject *object)
{
	auto *self = GST_DMABUF_CPU_FILTER(object);
	if (self->state->outputPool)
		gst_object_unref(self->state->outputPool);
	delete self->state;
	G_OBJECT_CLASS(gst_dmabuf_cpu_filter_parent_class)->finalize(object);
}

static void gst_dmabuf_cpu_filter_class_init(GstDmabufCpuFilterClass *klass)
{
	GObjectClass *oc = G_OBJECT_CLASS(klass);
	GstElementClass *ec = GST_ELEMENT_CLASS(klass);
	GstBaseTransformClass *tc = GST_BASE_TRANSFORM_CLASS(klass);
	const auto rw = static_cast<GParamFlags>(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
						 GST_PARAM_MUTABLE_READY);
	const auto ro = static_cast<GParamFlags>(G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

	oc->set_property = gst_dmabuf_cpu_filter_set_property;
	oc->get_property = gst_dmabuf_cpu_filter_get_property;
	oc->finalize = gst_dmabuf_cpu_filter_finalize;

	g_object_class_install_property(
		oc, PROP_OPERATION,
		g_param_spec_enum("operation", "Operation",
				  "What to do with each frame: convert (pass through when the caps "
				  "match), invert, grayscale, scale (down) or snapshot (pass through)",
				  GST_TYPE_DMABUF_CPU_FILTER_OPERATION,
				  static_cast<gint>(Operation::Convert), rw));
	g_object_class_install_property(
		oc, PROP_SCALE_METHOD,
		g_param_spec_enum("scale-method", "Scale method",
				  "How operation=scale computes a pixel", GST_TYPE_DMABUF_CPU_FILTER_SCALE_METHOD,
				  static_cast<gint>(ScaleMethod::Bilinear), rw));
	g_object_class_install_property(
		oc, PROP_N_THREADS,
		g_param_spec_uint("n-threads", "Threads",
				  "Threads a frame is split over (0: one per CPU; 1: the streaming "
				  "thread only)",
				  0, 64, 0, rw));
	g_object_class_install_property(
		oc, PROP_USE_SIMD,
		g_param_spec_boolean("use-simd", "Use SIMD",
				     "Use the Highway SIMD kernels (FALSE: the scalar reference, for "
				     "comparison)",
				     TRUE, rw));
	g_object_class_install_property(
		oc, PROP_EXPORTER,
		g_param_spec_string("exporter", "Exporter",
				    "Where output dma-bufs come from: \"auto\" (first exporter meeting "
				    "the downstream constraints, system memory when the machine has no "
				    "exporter), \"dma-heap:system\", \"dma-heap\", \"udmabuf\", "
				    "\"drm-dumb\" or \"system\" (plain memory)",
				    "auto", rw));
	g_object_class_install_property(
		oc, PROP_SNAPSHOT_LOCATION,
		g_param_spec_string("snapshot-location", "Snapshot location",
				    "PNG file name pattern with one %d (e.g. /tmp/snap-%05d.png) for "
				    "snapshots; unset: no snapshots",
				    nullptr, rw));
	g_object_class_install_property(
		oc, PROP_SNAPSHOT_INTERVAL,
		g_param_spec_uint("snapshot-interval", "Snapshot interval",
				  "Write every Nth frame as a snapshot (0: only on the \"snapshot\" "
				  "action signal)",
				  0, G_MAXUINT, 0,
				  static_cast<GParamFlags>(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
							   GST_PARAM_MUTABLE_PLAYING)));
	g_object_class_install_property(
		oc, PROP_STATS,
		g_param_spec_boxed("stats", "Statistics",
				   "Counters (dmabufcpufilter/stats): frames, passthrough, in-place, "
				   "input-maps and output-maps (gst_memory_map calls), dmabuf-inputs, "
				   "invalid-dropped, snapshots-written/-failed/-dropped, and the "
				   "import-* CPU access counters of imported input dma-bufs",
				   GST_TYPE_STRUCTURE, ro));
	g_object_class_install_property(
		oc, PROP_POOL_STATS,
		g_param_spec_boxed("pool-stats", "Pool statistics",
				   "Statistics of the output pool (dmabufkit/pool-stats structure), "
				   "kept after the element stops",
				   GST_TYPE_STRUCTURE, ro));

	/**
	 * GstDmabufCpuFilter::snapshot:
	 *
	 * Action signal: write the next frame as a snapshot (needs
	 * snapshot-location).
	 */
	g_signal_new_class_handler("snapshot", G_TYPE_FROM_CLASS(klass),
				   static_cast<GSignalFlags>(G_SIGNAL_RUN_LAST | G_SIGNAL_ACTION),
				   G_CALLBACK(gst_dmabuf_cpu_filter_snapshot_action), nullptr, nullptr,
				   nullptr, G_TYPE_NONE, 0);

	gst_element_class_add_static_pad_template(ec, &sink_template);
	gst_element_class_add_static_pad_template(ec, &src_template);
	gst_element_class_set_static_metadata(
		ec, "dma-buf CPU filter", "Filter/Converter/Video/Scaler",
		"Converts, inverts, grayscales, scales and snapshots video on dma-bufs with SIMD "
		"kernels, one CPU sync per buffer",
		"dmabufkit developers");

	tc->transform_caps = gst_dmabuf_cpu_filter_transform_caps;
	tc->fixate_caps = gst_dmabuf_cpu_filter_fixate_caps;
	tc->sink_event = gst_dmabuf_cpu_filter_sink_event;
	tc->set_caps = gst_dmabuf_cpu_filter_set_caps;
	tc->get_unit_size = gst_dmabuf_cpu_filter_get_unit_size;
	tc->propose_allocation = gst_dmabuf_cpu_filter_propose_allocation;
	tc->decide_allocation = gst_dmabuf_cpu_filter_decide_allocation;
	tc->prepare_output_buffer = gst_dmabuf_cpu_filter_prepare_output_buffer;
	tc->transform = gst_dmabuf_cpu_filter_transform;
	tc->transform_ip = gst_dmabuf_cpu_filter_transform_ip;
	tc->start = gst_dmabuf_cpu_filter_start;
	tc->stop = gst_dmabuf_cpu_filter_stop;
	tc->passthrough_on_same_caps = FALSE;
	tc->transform_ip_on_passthrough = TRUE;

	gst_type_mark_as_plugin_api(GST_TYPE_DMABUF_CPU_FILTER_OPERATION, static_cast<GstPluginAPIFlags>(0));
	gst_type_mark_as_plugin_api(GST_TYPE_DMABUF_CPU_FILTER_SCALE_METHOD, static_cast<GstPluginAPIFlags>(0));
	GST_DEBUG_CATEGORY_INIT(dmabuf_cpu_filter_debug, "dmabufcpufilter", 0,
				"dmabufkit CPU filter element");
}

static void gst_dmabuf_cpu_filter_init(GstDmabufCpuFilter *self)
{
	self->state = new FilterState;
}

gboolean dbk_cpufilter_register(GstPlugin *plugin)
{
	return gst_element_register(plugin, "dmabufcpufilter", GST_RANK_NONE,
				    GST_TYPE_DMABUF_CPU_FILTER);
}

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
 * Before the CPU touches a dma-buf, the element waits for the devices still
 * writing it (or, for the output, using it) with poll() on the dma-buf, at
 * most #GstDmabufCpuFilter:fence-timeout ms: DMA_BUF_IOCTL_SYNC would wait
 * without a bound. Past it the element posts RESOURCE BUSY naming the buffer
 * and its exporter, instead of hanging.
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
#include <utility>
#include <vector>

#include <unistd.h>

#include <dmabufkit/dmabufkit.h>
#include <gst/video/video.h>

#include "../elements.h"
#include "buffer_mapping.h"
#include "caps_negotiation.h"
#include "filter_properties.h"
#include "filter_stats.h"
#include "frame_processor.h"
#include "output_allocation.h"
#include "kernels/frame_ops.h"
#include "kernels/row_kernels.h"
#include "colorimetry.h"
#include "kernels/frame_png_writer.h"

/* Not static: the element's units (output_allocation.cpp) log in it too. */
GST_DEBUG_CATEGORY(dmabuf_cpu_filter_debug);
/* Copies the filter makes (GST_PERFORMANCE), as the codec elements report theirs. */
static GstDebugCategory *perf_cat;
#define GST_CAT_DEFAULT dmabuf_cpu_filter_debug

using namespace dmabufkit::cpufilter;
using namespace dmabufkit::video;

namespace {

/* The properties (FilterSettings, object lock), the counters and the streaming state. */
struct FilterState : FilterSettings, FilterCounters {
	/* Negotiated (streaming thread, set_caps). */
	GstVideoInfo in{};
	GstVideoInfo out{};
	KernelFormat inFormat = KernelFormat::Unknown;
	KernelFormat outFormat = KernelFormat::Unknown;
	YuvCoefficients coeffs = yuvCoefficients(YuvMatrix::BT601, YuvRange::Limited);
	ProcessingPlan plan;

	/* Between start and stop. */
	FrameProcessor processor;
	std::unique_ptr<FramePngWriter> writer;
	DbkAllocator *importer = nullptr;
	GstBufferPool *outputPool = nullptr; /* ref, kept for its statistics */
	std::atomic<bool> snapshotRequested{ false };
	bool warnedCopy = false; /* the not-in-place copy was reported (streaming thread) */
	guint64 frameNumber = 0;
	guint64 snapshotIndex = 0;
};

} /* namespace */

struct _GstDmabufCpuFilter {
	GstBaseTransform parent;
	FilterState *state;
};

#define CPU_FILTER_CAPS                                                                            \
	GST_VIDEO_CAPS_MAKE("{ YUY2, UYVY, NV12, I420, BGRx, BGRA, xRGB, ARGB, RGB16, GRAY8 }")

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE(
	"sink", GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS(CPU_FILTER_CAPS));
static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE(
	"src", GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS(CPU_FILTER_CAPS));

G_DEFINE_TYPE(GstDmabufCpuFilter, gst_dmabuf_cpu_filter, GST_TYPE_BASE_TRANSFORM)

/* ---------------------------------------------------------------- caps */

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
	GstCaps *result = transformCaps(current_op(self), direction, caps, filter);
	GST_DEBUG_OBJECT(self, "%s %" GST_PTR_FORMAT " -> %" GST_PTR_FORMAT,
			 direction == GST_PAD_SINK ? "sink" : "src", caps, result);
	return result;
}

static GstCaps *gst_dmabuf_cpu_filter_fixate_caps(GstBaseTransform *trans,
						  GstPadDirection direction, GstCaps *caps,
						  GstCaps *othercaps)
{
	return fixateCaps(caps, othercaps);
}

static gboolean gst_dmabuf_cpu_filter_sink_event(GstBaseTransform *trans, GstEvent *event)
{
	auto *self = GST_DMABUF_CPU_FILTER(trans);
	if (GST_EVENT_TYPE(event) == GST_EVENT_CAPS) {
		GstCaps *caps = nullptr;
		gst_event_parse_caps(event, &caps);
		GstCaps *possible =
			gst_dmabuf_cpu_filter_transform_caps(trans, GST_PAD_SINK, caps, nullptr);
		GstCaps *accepted =
			gst_pad_peer_query_caps(GST_BASE_TRANSFORM_SRC_PAD(trans), possible);
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
			GST_ELEMENT_ERROR(
				self, CORE, NEGOTIATION,
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
	return GST_BASE_TRANSFORM_CLASS(gst_dmabuf_cpu_filter_parent_class)
		->sink_event(trans, event);
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
	if (!gst_video_info_from_caps(&st->in, incaps) ||
	    !gst_video_info_from_caps(&st->out, outcaps)) {
		GST_ELEMENT_ERROR(self, CORE, NEGOTIATION, ("Invalid video caps"),
				  ("in %" GST_PTR_FORMAT " out %" GST_PTR_FORMAT, incaps, outcaps));
		return FALSE;
	}
	st->inFormat = kernelFormatFromName(GST_VIDEO_INFO_NAME(&st->in));
	st->outFormat = kernelFormatFromName(GST_VIDEO_INFO_NAME(&st->out));
	const Operation op = current_op(self);
	if (const auto why = whyNotProcessable(op, st->in, st->out)) {
		GST_ELEMENT_ERROR(self, CORE, NEGOTIATION,
				  ("Cannot process these caps: %s", why->c_str()),
				  ("in %" GST_PTR_FORMAT " out %" GST_PTR_FORMAT, incaps, outcaps));
		return FALSE;
	}
	st->coeffs = coefficients_for(self, st->in);
	st->plan = planProcessing(op, gst_caps_is_equal(incaps, outcaps));
	st->warnedCopy = false;
	if (!st->plan.passthrough && op == Operation::Convert && st->inFormat == st->outFormat)
		GST_CAT_INFO_OBJECT(
			perf_cat, self,
			"copying every %s frame into the output buffer: the caps differ "
			"beyond the format, so they cannot pass through",
			kernelFormatName(st->inFormat));
	if (op == Operation::Scale && st->inFormat != st->outFormat)
		GST_CAT_INFO_OBJECT(
			perf_cat, self,
			"scale: every frame is converted from %s into a %s scratch frame "
			"before scaling",
			kernelFormatName(st->inFormat), kernelFormatName(st->outFormat));
	gst_base_transform_set_passthrough(trans, st->plan.passthrough);
	gst_base_transform_set_in_place(trans, FALSE);
	GST_INFO_OBJECT(self, "%s -> %s, %s, %s %s range, SIMD target %s",
			kernelFormatName(st->inFormat), kernelFormatName(st->outFormat),
			st->plan.passthrough ? "passthrough" : "processing",
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

static gboolean gst_dmabuf_cpu_filter_decide_allocation(GstBaseTransform *trans, GstQuery *query)
{
	auto *self = GST_DMABUF_CPU_FILTER(trans);
	FilterState *st = self->state;
	GST_OBJECT_LOCK(self);
	const std::string exporter = st->exporter;
	GST_OBJECT_UNLOCK(self);

	GstBufferPool *pool = nullptr;
	if (exporter != "system") {
		/* Behind a tee, every branch's consumer counts. */
		dbk_query_add_branch_constraints(GST_BASE_TRANSFORM_SRC_PAD(trans), query);
		GError *err = nullptr;
		pool = dbk_buffer_pool_decide_allocation(query, exporter.c_str(), TRUE,
							 GST_OBJECT_NAME(self), &err);
		if (!pool) {
			if (exporter != "auto" ||
			    !g_error_matches(err, DBK_ERROR, DBK_ERROR_NO_EXPORTER)) {
				dbk_buffer_pool_post_allocation_error(GST_ELEMENT(self),
								      exporter.c_str(), err);
				g_error_free(err);
				return FALSE;
			}
			/* No exporter that serves downstream (a machine without dma-buf
			 * heaps, udmabuf or DRM): work in system memory, as any filter would. */
			GST_INFO_OBJECT(self, "no dma-buf output (%s): system memory output",
					err->message);
			GST_CAT_WARNING_OBJECT(
				perf_cat, self,
				"output in system memory (%s): no dma-bufs downstream, "
				"a consumer that needs them copies every frame",
				err->message);
			g_error_free(err);
		}
	}
	if (!pool && !(pool = systemMemoryPool(GST_ELEMENT(self), query)))
		return FALSE;
	GST_INFO_OBJECT(self, "output pool %" GST_PTR_FORMAT " (exporter %s)", pool,
			DBK_IS_BUFFER_POOL(pool)
				? dbk_buffer_pool_get_exporter_name(DBK_BUFFER_POOL(pool))
				: "none, system memory");
	GST_OBJECT_LOCK(self);
	gst_object_replace(reinterpret_cast<GstObject **>(&st->outputPool), GST_OBJECT(pool));
	GST_OBJECT_UNLOCK(self);
	gst_object_unref(pool);
	return GST_BASE_TRANSFORM_CLASS(gst_dmabuf_cpu_filter_parent_class)
		->decide_allocation(trans, query);
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
	const PackedLayout l = packedLayout(KernelFormat::BGRx, view.width, view.height);
	std::vector<uint8_t> bgrx(l.size);
	FrameView tmp;
	tmp.format = KernelFormat::BGRx;
	tmp.width = view.width;
	tmp.height = view.height;
	tmp.data[0] = bgrx.data();
	tmp.stride[0] = l.stride[0];
	const auto converted = convertFrame(view, tmp, st->coeffs, KernelImpl::Simd, nullptr);
	if (!converted) {
		GST_WARNING_OBJECT(self, "snapshot conversion failed: %s",
				   converted.error().message.c_str());
		st->snapshotsFailed++;
		return;
	}
	RgbImage image =
		packRgb888(Rgb32Order::BGRx, bgrx.data(), l.stride[0], view.width, view.height);
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
								 GstBuffer *inbuf,
								 GstBuffer **outbuf)
{
	auto *self = GST_DMABUF_CPU_FILTER(trans);
	FilterState *st = self->state;
	if (st->plan.passthrough) {
		*outbuf = inbuf;
		return GST_FLOW_OK;
	}
	if (st->plan.inPlaceCapable) {
		if (canProcessInPlace(inbuf)) {
			*outbuf = inbuf;
			return GST_FLOW_OK;
		}
		/* The frame is written out of place: a copy in-place processing avoids. */
		if (!st->warnedCopy) {
			st->warnedCopy = true;
			GST_CAT_WARNING_OBJECT(perf_cat, self,
					       "cannot process in place (the input buffer or its "
					       "memory is not writable): writing into an output "
					       "buffer instead");
		}
		GST_CAT_LOG_OBJECT(perf_cat, self, "out-of-place frame, input %" GST_PTR_FORMAT,
				   inbuf);
	}
	return GST_BASE_TRANSFORM_CLASS(gst_dmabuf_cpu_filter_parent_class)
		->prepare_output_buffer(trans, inbuf, outbuf);
}

static GstFlowReturn drop_invalid(GstDmabufCpuFilter *self, const std::string &why)
{
	self->state->invalidDropped++;
	GST_ELEMENT_WARNING(self, STREAM, FORMAT,
			    ("Dropped an input buffer that holds no valid frame"),
			    ("%s", why.c_str()));
	return GST_BASE_TRANSFORM_FLOW_DROPPED;
}

/* Before the CPU touches \a buf: its devices' fences, bounded by fence-timeout. */
static bool wait_fences(GstDmabufCpuFilter *self, GstBuffer *buf, GstMapFlags flags, gint timeoutMs,
			const char *what)
{
	GError *err = nullptr;
	if (dbk_buffer_wait_fences(buf, flags, timeoutMs, &err))
		return true;
	dbk_element_post_fence_error(GST_ELEMENT(self), what, err);
	g_error_free(err);
	return false;
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
	const gint fenceTimeoutMs = st->fenceTimeoutMs;
	GST_OBJECT_UNLOCK(self);

	BufferMapping in(st->importer), out(st->importer);
	const bool inPlace = inbuf == outbuf;
	if (!wait_fences(self, inbuf, inPlace ? GST_MAP_READWRITE : GST_MAP_READ, fenceTimeoutMs,
			 "reading the input frame") ||
	    (!inPlace &&
	     !wait_fences(self, outbuf, GST_MAP_WRITE, fenceTimeoutMs, "writing the output frame")))
		return GST_FLOW_ERROR;
	auto input = in.map(inbuf, st->in, st->inFormat,
			    inPlace ? static_cast<GstMapFlags>(GST_MAP_READWRITE) : GST_MAP_READ);
	if (!input) {
		if (input.error().code == kBadInput)
			return drop_invalid(self, input.error().message);
		GST_ELEMENT_ERROR(self, RESOURCE, READ, ("Cannot map the input frame"),
				  ("%s", input.error().message.c_str()));
		return GST_FLOW_ERROR;
	}
	const FrameView src = *input;
	FrameView dst;
	st->inputMaps += in.memoryMaps();
	if (in.usedDmaBuf())
		st->dmabufInputs++;
	if (inPlace) {
		dst = src;
		st->inPlaceFrames++;
	} else {
		auto output = out.map(outbuf, st->out, st->outFormat, GST_MAP_WRITE);
		if (!output) {
			GST_ELEMENT_ERROR(self, RESOURCE, WRITE,
					  ("Cannot map the output buffer for writing"),
					  ("%s", output.error().message.c_str()));
			return GST_FLOW_ERROR;
		}
		dst = *output;
		st->outputMaps += out.memoryMaps();
	}
	const auto processed = st->processor.process(op, method, impl, st->coeffs, src, dst);
	if (!processed) {
		GST_ELEMENT_ERROR(self, STREAM, FAILED, ("Processing the frame failed"),
				  ("%s", processed.error().message.c_str()));
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
	const gint fenceTimeoutMs = st->fenceTimeoutMs;
	GST_OBJECT_UNLOCK(self);
	st->frames++;
	st->passthroughFrames++;
	if (!snapshots || !snapshot_due(st, interval))
		return GST_FLOW_OK;
	if (!wait_fences(self, buf, GST_MAP_READ, fenceTimeoutMs, "reading a frame for a snapshot"))
		return GST_FLOW_ERROR;
	BufferMapping in(st->importer);
	auto src = in.map(buf, st->in, st->inFormat, GST_MAP_READ);
	if (!src) {
		GST_ELEMENT_WARNING(self, STREAM, FORMAT, ("No snapshot of this buffer"),
				    ("%s", src.error().message.c_str()));
		return GST_FLOW_OK; /* passthrough: the buffer goes on untouched */
	}
	st->inputMaps += in.memoryMaps();
	take_snapshot(self, *src);
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
		GST_ELEMENT_ERROR(self, RESOURCE, SETTINGS,
				  ("operation=snapshot needs snapshot-location"), (nullptr));
		return FALSE;
	}
	if (!location.empty()) {
		if (auto why = whyInvalidFramePath(location)) {
			GST_ELEMENT_ERROR(self, RESOURCE, SETTINGS, ("Invalid snapshot-location"),
					  ("%s", why->c_str()));
			return FALSE;
		}
		gchar *dir = g_path_get_dirname(location.c_str());
		const bool writable = access(dir, W_OK | X_OK) == 0;
		const int e = errno;
		if (!writable) {
			GST_ELEMENT_ERROR(
				self, RESOURCE, OPEN_WRITE,
				("Cannot write snapshots into \"%s\": %s", dir, g_strerror(e)),
				("snapshot-location=%s; access(\"%s\", W_OK|X_OK) failed",
				 location.c_str(), dir));
			g_free(dir);
			return FALSE;
		}
		g_free(dir);
		st->writer = std::make_unique<FramePngWriter>([self](const std::string &path,
								     uint64_t frame,
								     const std::string &error) {
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
	st->processor.start(threads);
	DbkAllocator *importer = dbk_allocator_new();
	GST_OBJECT_LOCK(self); /* stats_structure() reads it on any thread */
	st->importer = importer;
	GST_OBJECT_UNLOCK(self);
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
	st->processor.stop();
	/* Out of stats_structure()'s reach before it goes. */
	GST_OBJECT_LOCK(self);
	DbkAllocator *importer = std::exchange(st->importer, nullptr);
	GST_OBJECT_UNLOCK(self);
	if (importer)
		gst_object_unref(importer);
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
	return st->toStructure(imp);
}

static void gst_dmabuf_cpu_filter_set_property(GObject *object, guint id, const GValue *value,
					       GParamSpec *pspec)
{
	auto *self = GST_DMABUF_CPU_FILTER(object);
	FilterState *st = self->state;
	GST_OBJECT_LOCK(self);
	const bool known = setFilterSetting(*st, id, value);
	GST_OBJECT_UNLOCK(self);
	if (!known)
		G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
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
		GstBufferPool *pool =
			st->outputPool ? GST_BUFFER_POOL(gst_object_ref(st->outputPool)) : nullptr;
		GST_OBJECT_UNLOCK(self);
		if (pool && DBK_IS_BUFFER_POOL(pool)) {
			g_value_take_boxed(
				value, dbk_buffer_pool_get_stats_structure(DBK_BUFFER_POOL(pool)));
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
	const bool known = getFilterSetting(*st, id, value);
	GST_OBJECT_UNLOCK(self);
	if (!known)
		G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
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
	oc->set_property = gst_dmabuf_cpu_filter_set_property;
	oc->get_property = gst_dmabuf_cpu_filter_get_property;
	oc->finalize = gst_dmabuf_cpu_filter_finalize;

	installFilterProperties(oc);

	/**
	 * GstDmabufCpuFilter::snapshot:
	 *
	 * Action signal: write the next frame as a snapshot (needs
	 * snapshot-location).
	 */
	g_signal_new_class_handler("snapshot", G_TYPE_FROM_CLASS(klass),
				   static_cast<GSignalFlags>(G_SIGNAL_RUN_LAST | G_SIGNAL_ACTION),
				   G_CALLBACK(gst_dmabuf_cpu_filter_snapshot_action), nullptr,
				   nullptr, nullptr, G_TYPE_NONE, 0);

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

	gst_type_mark_as_plugin_api(GST_TYPE_DMABUF_CPU_FILTER_OPERATION,
				    static_cast<GstPluginAPIFlags>(0));
	gst_type_mark_as_plugin_api(GST_TYPE_DMABUF_CPU_FILTER_SCALE_METHOD,
				    static_cast<GstPluginAPIFlags>(0));
	GST_DEBUG_CATEGORY_GET(perf_cat, "GST_PERFORMANCE");
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

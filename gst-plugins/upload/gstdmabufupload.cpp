/* SPDX-License-Identifier: LGPL-2.1-or-later */
/**
 * SECTION:element-dmabufupload
 * @title: dmabufupload
 *
 * Feeds dma-bufs into any pipeline. System-memory video is copied into
 * buffers of a dmabufkit pool (named "ELEMENT:N", laid out to satisfy the
 * constraints downstream states in the ALLOCATION query; a pool offered by
 * downstream is used when it is a dmabufkit pool). Buffers that already are
 * dma-bufs pass through untouched. This is the one element where a copy is
 * expected; the "copies" property counts them. Before copying, it waits for
 * the devices still using the dma-bufs involved, at most "fence-timeout" ms
 * (then RESOURCE BUSY naming the buffer, instead of a hang in SYNC START).
 *
 * ## Example
 * |[
 * gst-launch-1.0 videotestsrc num-buffers=60 ! video/x-raw,format=BGRx,width=640,height=480 \
 *     ! dmabufupload ! kmssink driver-name=vkms
 * ]|
 */
#include "gstdmabufupload.h"

#include <atomic>
#include <string>

#include <dmabufkit/dmabufkit.h>
#include <gst/video/video.h>

#include "../elements.h"

GST_DEBUG_CATEGORY_STATIC(dmabuf_upload_debug);
#define GST_CAT_DEFAULT dmabuf_upload_debug
static GstDebugCategory *perf_cat;

namespace {

struct UploadState {
	std::string exporter = "auto";
	GstVideoInfo info{};
	std::atomic<guint64> copies{ 0 };
	std::atomic<guint64> passthrough{ 0 };
	std::atomic<gint> fenceTimeoutMs{ DBK_FENCE_TIMEOUT_DEFAULT_MS };
};

} /* namespace */

struct _GstDmabufUpload {
	GstBaseTransform parent;
	UploadState *state;
};

enum {
	PROP_0,
	PROP_EXPORTER,
	PROP_COPIES,
	PROP_PASSTHROUGH_COUNT,
	PROP_POOL_STATS,
	PROP_FENCE_TIMEOUT
};

#define UPLOAD_CAPS                                                                                \
	GST_VIDEO_CAPS_MAKE("{ YUY2, UYVY, YVYU, VYUY, NV12, NV21, NV16, NV61, NV24, "             \
			    "I420, YV12, Y42B, Y444, GRAY8, GRAY16_LE, RGB16, "                    \
			    "RGB, BGR, BGRx, BGRA, xRGB, ARGB, RGBx, RGBA, xBGR, "                 \
			    "ABGR, BGRA64_LE }")

static GstStaticPadTemplate sink_template =
	GST_STATIC_PAD_TEMPLATE("sink", GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS(UPLOAD_CAPS));
static GstStaticPadTemplate src_template =
	GST_STATIC_PAD_TEMPLATE("src", GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS(UPLOAD_CAPS));

G_DEFINE_TYPE(GstDmabufUpload, gst_dmabuf_upload, GST_TYPE_BASE_TRANSFORM)

static bool is_dmabuf_buffer(GstBuffer *buf)
{
	guint n = gst_buffer_n_memory(buf);
	for (guint i = 0; i < n; ++i)
		if (!gst_is_dmabuf_memory(gst_buffer_peek_memory(buf, i)))
			return false;
	return n > 0;
}

static gboolean gst_dmabuf_upload_set_caps(GstBaseTransform *trans, GstCaps *incaps, GstCaps *)
{
	auto *self = GST_DMABUF_UPLOAD(trans);
	if (!gst_video_info_from_caps(&self->state->info, incaps)) {
		GST_ELEMENT_ERROR(self, CORE, NEGOTIATION, ("Invalid video caps"),
				  ("cannot parse %" GST_PTR_FORMAT, incaps));
		return FALSE;
	}
	return TRUE;
}

static gboolean gst_dmabuf_upload_propose_allocation(GstBaseTransform *trans, GstQuery *decide,
						     GstQuery *query)
{
	/* We read any layout upstream produces. */
	gst_query_add_allocation_meta(query, GST_VIDEO_META_API_TYPE, nullptr);
	return TRUE;
}

static gboolean gst_dmabuf_upload_decide_allocation(GstBaseTransform *trans, GstQuery *query)
{
	auto *self = GST_DMABUF_UPLOAD(trans);
	/* Behind a tee, every branch's consumer counts. */
	dbk_query_add_branch_constraints(GST_BASE_TRANSFORM_SRC_PAD(trans), query);
	GError *err = nullptr;
	GstBufferPool *pool = dbk_buffer_pool_decide_allocation(
		query, self->state->exporter.c_str(), TRUE, GST_OBJECT_NAME(self), &err);
	if (!pool) {
		dbk_buffer_pool_post_allocation_error(GST_ELEMENT(self),
						      self->state->exporter.c_str(), err);
		g_error_free(err);
		return FALSE;
	}
	GST_INFO_OBJECT(self, "using pool %" GST_PTR_FORMAT " (exporter %s)", pool,
			dbk_buffer_pool_get_exporter_name(DBK_BUFFER_POOL(pool)));
	gst_object_unref(pool);
	return GST_BASE_TRANSFORM_CLASS(gst_dmabuf_upload_parent_class)
		->decide_allocation(trans, query);
}

static GstFlowReturn gst_dmabuf_upload_prepare_output_buffer(GstBaseTransform *trans,
							     GstBuffer *inbuf, GstBuffer **outbuf)
{
	auto *self = GST_DMABUF_UPLOAD(trans);
	if (is_dmabuf_buffer(inbuf)) {
		self->state->passthrough++;
		*outbuf = inbuf;
		return GST_FLOW_OK;
	}
	return GST_BASE_TRANSFORM_CLASS(gst_dmabuf_upload_parent_class)
		->prepare_output_buffer(trans, inbuf, outbuf);
}

static GstFlowReturn gst_dmabuf_upload_transform(GstBaseTransform *trans, GstBuffer *inbuf,
						 GstBuffer *outbuf)
{
	auto *self = GST_DMABUF_UPLOAD(trans);
	if (inbuf == outbuf)
		return GST_FLOW_OK;

	/* A memory of the input or the output pool's buffer may be a dma-buf a
	   device still uses: wait for it, bounded, before SYNC START would. */
	const gint fenceTimeoutMs = self->state->fenceTimeoutMs;
	GError *err = nullptr;
	if (!dbk_buffer_wait_fences(inbuf, GST_MAP_READ, fenceTimeoutMs, &err) ||
	    !dbk_buffer_wait_fences(outbuf, GST_MAP_WRITE, fenceTimeoutMs, &err)) {
		dbk_element_post_fence_error(GST_ELEMENT(self), "copying a frame into a dma-buf",
					     err);
		g_error_free(err);
		return GST_FLOW_ERROR;
	}
	GstVideoFrame in, out;
	if (!gst_video_frame_map(&in, &self->state->info, inbuf, GST_MAP_READ)) {
		GST_ELEMENT_ERROR(self, RESOURCE, READ, ("Cannot map the input frame"), (nullptr));
		return GST_FLOW_ERROR;
	}
	if (!gst_video_frame_map(&out, &self->state->info, outbuf, GST_MAP_WRITE)) {
		gst_video_frame_unmap(&in);
		GST_ELEMENT_ERROR(
			self, RESOURCE, WRITE, ("Cannot map the output dma-buf for writing"),
			("see the dmabufkit-allocator debug category for the failing call"));
		return GST_FLOW_ERROR;
	}
	gboolean ok = gst_video_frame_copy(&out, &in);
	gst_video_frame_unmap(&out);
	gst_video_frame_unmap(&in);
	if (!ok) {
		GST_ELEMENT_ERROR(self, STREAM, FAILED, ("Copying the frame failed"), (nullptr));
		return GST_FLOW_ERROR;
	}
	/* Copying is this element's job: the first copy is worth a note, the rest are per frame. */
	if (self->state->copies++ == 0)
		GST_CAT_INFO_OBJECT(
			perf_cat, self,
			"copying system-memory frames into dma-bufs (%s %dx%d, %zu bytes each)",
			GST_VIDEO_INFO_NAME(&self->state->info),
			GST_VIDEO_INFO_WIDTH(&self->state->info),
			GST_VIDEO_INFO_HEIGHT(&self->state->info),
			static_cast<size_t>(GST_VIDEO_INFO_SIZE(&self->state->info)));
	else
		GST_CAT_LOG_OBJECT(perf_cat, self, "copied a frame into a dma-buf");
	return GST_FLOW_OK;
}

static void gst_dmabuf_upload_set_property(GObject *object, guint id, const GValue *value,
					   GParamSpec *pspec)
{
	auto *self = GST_DMABUF_UPLOAD(object);
	switch (id) {
	case PROP_EXPORTER: {
		const gchar *s = g_value_get_string(value);
		self->state->exporter = s ? s : "auto";
		break;
	}
	case PROP_FENCE_TIMEOUT:
		self->state->fenceTimeoutMs = g_value_get_int(value);
		break;
	default:
		G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
	}
}

static void gst_dmabuf_upload_get_property(GObject *object, guint id, GValue *value,
					   GParamSpec *pspec)
{
	auto *self = GST_DMABUF_UPLOAD(object);
	switch (id) {
	case PROP_EXPORTER:
		g_value_set_string(value, self->state->exporter.c_str());
		break;
	case PROP_COPIES:
		g_value_set_uint64(value, self->state->copies);
		break;
	case PROP_PASSTHROUGH_COUNT:
		g_value_set_uint64(value, self->state->passthrough);
		break;
	case PROP_FENCE_TIMEOUT:
		g_value_set_int(value, self->state->fenceTimeoutMs);
		break;
	case PROP_POOL_STATS: {
		GstBufferPool *pool = gst_base_transform_get_buffer_pool(GST_BASE_TRANSFORM(self));
		if (pool && DBK_IS_BUFFER_POOL(pool))
			g_value_take_boxed(
				value, dbk_buffer_pool_get_stats_structure(DBK_BUFFER_POOL(pool)));
		else
			g_value_set_boxed(value, nullptr);
		if (pool)
			gst_object_unref(pool);
		break;
	}
	default:
		G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
	}
}

static void gst_dmabuf_upload_finalize(GObject *object)
{
	delete GST_DMABUF_UPLOAD(object)->state;
	G_OBJECT_CLASS(gst_dmabuf_upload_parent_class)->finalize(object);
}

static void gst_dmabuf_upload_class_init(GstDmabufUploadClass *klass)
{
	GObjectClass *oc = G_OBJECT_CLASS(klass);
	GstElementClass *ec = GST_ELEMENT_CLASS(klass);
	GstBaseTransformClass *tc = GST_BASE_TRANSFORM_CLASS(klass);

	oc->set_property = gst_dmabuf_upload_set_property;
	oc->get_property = gst_dmabuf_upload_get_property;
	oc->finalize = gst_dmabuf_upload_finalize;

	g_object_class_install_property(
		oc, PROP_EXPORTER,
		g_param_spec_string(
			"exporter", "Exporter",
			"Where to allocate dma-bufs: \"auto\" (first exporter meeting the "
			"downstream constraints), \"dma-heap:system\", \"dma-heap\", "
			"\"udmabuf\" or \"drm-dumb\"",
			"auto",
			static_cast<GParamFlags>(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
						 GST_PARAM_MUTABLE_READY)));
	g_object_class_install_property(
		oc, PROP_COPIES,
		g_param_spec_uint64(
			"copies", "Copies", "Frames copied from system memory into dma-bufs", 0,
			G_MAXUINT64, 0,
			static_cast<GParamFlags>(G_PARAM_READABLE | G_PARAM_STATIC_STRINGS)));
	g_object_class_install_property(
		oc, PROP_PASSTHROUGH_COUNT,
		g_param_spec_uint64(
			"passthrough-count", "Passthrough count",
			"Frames that already were dma-bufs and passed untouched", 0, G_MAXUINT64, 0,
			static_cast<GParamFlags>(G_PARAM_READABLE | G_PARAM_STATIC_STRINGS)));
	g_object_class_install_property(
		oc, PROP_POOL_STATS,
		g_param_spec_boxed(
			"pool-stats", "Pool statistics",
			"Statistics of the output pool (dmabufkit/pool-stats structure)",
			GST_TYPE_STRUCTURE,
			static_cast<GParamFlags>(G_PARAM_READABLE | G_PARAM_STATIC_STRINGS)));
	g_object_class_install_property(oc, PROP_FENCE_TIMEOUT, dbk_param_spec_fence_timeout());

	gst_element_class_add_static_pad_template(ec, &sink_template);
	gst_element_class_add_static_pad_template(ec, &src_template);
	gst_element_class_set_static_metadata(ec, "dma-buf upload", "Filter/Video",
					      "Copies system-memory video into dma-bufs from a "
					      "dmabufkit pool; dma-bufs pass through",
					      "dmabufkit developers");

	tc->set_caps = gst_dmabuf_upload_set_caps;
	tc->propose_allocation = gst_dmabuf_upload_propose_allocation;
	tc->decide_allocation = gst_dmabuf_upload_decide_allocation;
	tc->prepare_output_buffer = gst_dmabuf_upload_prepare_output_buffer;
	tc->transform = gst_dmabuf_upload_transform;
	tc->passthrough_on_same_caps = FALSE;

	GST_DEBUG_CATEGORY_GET(perf_cat, "GST_PERFORMANCE");
	GST_DEBUG_CATEGORY_INIT(dmabuf_upload_debug, "dmabufupload", 0, "dmabufkit upload element");
}

static void gst_dmabuf_upload_init(GstDmabufUpload *self)
{
	self->state = new UploadState;
}

gboolean dbk_upload_register(GstPlugin *plugin)
{
	return gst_element_register(plugin, "dmabufupload", GST_RANK_NONE, GST_TYPE_DMABUF_UPLOAD);
}

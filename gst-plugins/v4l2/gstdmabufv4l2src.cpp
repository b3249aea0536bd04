/* SPDX-License-Identifier: LGPL-2.1-or-later */
/**
 * SECTION:element-dmabufv4l2src
 * @title: dmabufv4l2src
 *
 * Captures video from a V4L2 capture node as dma-bufs, without copying.
 * In export mode the driver's own buffers are exported (VIDIOC_EXPBUF); in
 * import mode the driver fills dma-bufs from downstream's pool (kmssink's
 * scanout buffers, for one) or from a dmabufkit pool (V4L2_MEMORY_DMABUF).
 * Timestamps come from the driver; the element is a live source and answers
 * the latency query. When the driver stops delivering frames the element
 * posts an error after #GstDmabufV4l2Src:timeout-ms instead of hanging.
 *
 * ## Example
 * |[
 * gst-launch-1.0 dmabufv4l2src device=/dev/video4 num-buffers=60 \
 *     ! video/x-raw,format=BGRx,width=640,height=480 ! kmssink driver-name=vkms
 * ]|
 */
#include "gstdmabufv4l2src.h"

#include <atomic>
#include <cerrno>
#include <memory>
#include <string>
#include <utility>
#include <sys/eventfd.h>

#include <dmabufkit/dmabufkit.h>
#include <gst/allocators/allocators.h>
#include <gst/video/video.h>

#include "../elements.h"
#include "caps_probe.h"
#include "format_map.h"
#include "exporting_queue.h"
#include "frame_source.h"
#include "import_constraints.h"
#include "importing_queue.h"
#include "io_mode_choice.h"
#include "v4l2_src_private.h"
#include "dmabufkit/v4l2/import_capability.h"

GST_DEBUG_CATEGORY_STATIC(dmabuf_v4l2_src_debug);
#define GST_CAT_DEFAULT dmabuf_v4l2_src_debug

using namespace dmabufkit;
using namespace dmabufkit::gstv4l2;

namespace {
constexpr const char *kKmsPrimeExport = "GstBufferPoolOptionKMSPrimeExport";
} /* namespace */

GType gst_dmabuf_v4l2_io_mode_get_type(void)
{
	static GType type = 0;
	static const GEnumValue values[] = {
		{ GST_DMABUF_V4L2_IO_MODE_AUTO,
		  "Import into downstream's dma-buf pool if offered, else export", "auto" },
		{ GST_DMABUF_V4L2_IO_MODE_EXPORT, "Export driver buffers (MMAP + EXPBUF)",
		  "export" },
		{ GST_DMABUF_V4L2_IO_MODE_IMPORT,
		  "Import dma-bufs from downstream's or our own pool", "import" },
		{ 0, nullptr, nullptr },
	};
	if (g_once_init_enter(&type)) {
		GType t = g_enum_register_static("GstDmabufV4l2IoMode", values);
		g_once_init_leave(&type, t);
	}
	return type;
}

G_DEFINE_TYPE(GstDmabufV4l2Src, gst_dmabuf_v4l2_src, GST_TYPE_PUSH_SRC)

/* Stop streaming and free every queue and pool; the device stays open. */
static void teardown(GstDmabufV4l2Src *self)
{
	SrcState *st = self->state;
	/* The getters read source and pool under the object lock, on any thread. */
	GST_OBJECT_LOCK(self);
	std::unique_ptr<FrameSource> source = std::move(st->source);
	if (const auto *c = source ? source->indexCache() : nullptr) {
		st->cacheHits += c->hits();
		st->cacheMisses += c->misses();
	}
	GstBufferPool *pool = std::exchange(st->pool, nullptr);
	GST_OBJECT_UNLOCK(self);
	if (source)
		source->stop();
	source.reset();
	if (pool) {
		gst_buffer_pool_set_active(pool, FALSE);
		gst_object_unref(pool);
	}
	st->streaming = false;
}

static void post_device_error(GstDmabufV4l2Src *self, const Error &e, const char *what)
{
	switch (e.code) {
	case ENOENT:
	case ENODEV:
	case ENXIO:
		GST_ELEMENT_ERROR(self, RESOURCE, NOT_FOUND,
				  ("%s: the V4L2 device is missing or was disconnected; check the "
				   "device property",
				   what),
				  ("%s", e.message.c_str()));
		break;
	case EBUSY:
		GST_ELEMENT_ERROR(self, RESOURCE, BUSY,
				  ("%s: the V4L2 device is busy (another process streams from it); "
				   "stop that process or pick another device",
				   what),
				  ("%s", e.message.c_str()));
		break;
	case ETIMEDOUT:
		GST_ELEMENT_ERROR(
			self, RESOURCE, READ,
			("%s: the driver stopped delivering frames; raise timeout-ms if the "
			 "device is just slow",
			 what),
			("%s", e.message.c_str()));
		break;
	case EIO:
		/* vb2_queue_error(): the driver gave up on the stream. */
		GST_ELEMENT_ERROR(self, RESOURCE, READ,
				  ("%s: the driver reported a fatal streaming error; set the "
				   "pipeline to READY and back to PLAYING to restart capture",
				   what),
				  ("%s", e.message.c_str()));
		break;
	default:
		GST_ELEMENT_ERROR(self, RESOURCE, FAILED,
				  ("%s: the driver refused; the debug text names the ioctl and "
				   "errno, the kernel log (dmesg) may say why",
				   what),
				  ("%s", e.message.c_str()));
	}
}

static gboolean gst_dmabuf_v4l2_src_start(GstBaseSrc *bsrc)
{
	auto *self = GST_DMABUF_V4L2_SRC(bsrc);
	SrcState *st = self->state;
	std::string path = st->device;
	if (path.empty()) {
		v4l2::VideoNodeQuery q;
		q.capture = true;
		auto n = v4l2::findVideoNode(q);
		if (!n) {
			post_device_error(self, n.error(), "No V4L2 capture device found");
			return FALSE;
		}
		path = n->path;
	}
	auto dev = v4l2::VideoDevice::open(path);
	if (!dev) {
		post_device_error(self, dev.error(), ("Cannot open " + path).c_str());
		return FALSE;
	}
	if (!(*dev)->info().isCapture() || (*dev)->info().isMemToMem()) {
		GST_ELEMENT_ERROR(self, RESOURCE, SETTINGS,
				  ("%s is not a video capture device", path.c_str()),
				  ("driver %s, capabilities 0x%08x", (*dev)->info().driver.c_str(),
				   (*dev)->info().deviceCaps));
		return FALSE;
	}
	st->dev = std::move(dev).value();
	st->probed = cachedRawCaps(*st->dev, st->dev->captureType());
	st->wake.reset(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
	st->allocator = dbk_allocator_new();
	GST_INFO_OBJECT(self, "opened %s (%s), caps %" GST_PTR_FORMAT, path.c_str(),
			st->dev->info().card.c_str(), st->probed);
	return TRUE;
}

static gboolean gst_dmabuf_v4l2_src_stop(GstBaseSrc *bsrc)
{
	auto *self = GST_DMABUF_V4L2_SRC(bsrc);
	SrcState *st = self->state;
	teardown(self);
	gst_clear_caps(&st->probed);
	gst_clear_caps(&st->configuredCaps);
	if (st->allocator)
		gst_object_unref(st->allocator);
	st->allocator = nullptr;
	st->wake.reset();
	st->dev.reset();
	return TRUE;
}

static GstCaps *gst_dmabuf_v4l2_src_get_caps(GstBaseSrc *bsrc, GstCaps *filter)
{
	auto *self = GST_DMABUF_V4L2_SRC(bsrc);
	GstCaps *caps = self->state->probed ? gst_caps_ref(self->state->probed)
					    : gst_pad_get_pad_template_caps(GST_BASE_SRC_PAD(bsrc));
	if (filter) {
		GstCaps *tmp = gst_caps_intersect_full(filter, caps, GST_CAPS_INTERSECT_FIRST);
		gst_caps_unref(caps);
		caps = tmp;
	}
	return caps;
}

static GstCaps *gst_dmabuf_v4l2_src_fixate(GstBaseSrc *bsrc, GstCaps *caps)
{
	caps = gst_caps_make_writable(caps);
	GstStructure *s = gst_caps_get_structure(caps, 0);
	gst_structure_fixate_field_nearest_int(s, "width", 640);
	gst_structure_fixate_field_nearest_int(s, "height", 480);
	gst_structure_fixate_field_nearest_fraction(s, "framerate", 30, 1);
	return GST_BASE_SRC_CLASS(gst_dmabuf_v4l2_src_parent_class)->fixate(bsrc, caps);
}

/* basesrc alone only says "not-negotiated": name the device, what it offers
 * and what downstream accepts when the two have nothing in common. */
static gboolean gst_dmabuf_v4l2_src_negotiate(GstBaseSrc *bsrc)
{
	if (GST_BASE_SRC_CLASS(gst_dmabuf_v4l2_src_parent_class)->negotiate(bsrc))
		return TRUE;
	auto *self = GST_DMABUF_V4L2_SRC(bsrc);
	SrcState *st = self->state;
	GstCaps *peer = gst_pad_peer_query_caps(GST_BASE_SRC_PAD(bsrc), nullptr);
	if (st->dev && st->probed && peer && !gst_caps_can_intersect(peer, st->probed)) {
		gchar *want = gst_caps_to_string(peer), *have = gst_caps_to_string(st->probed);
		GST_ELEMENT_ERROR(self, CORE, NEGOTIATION,
				  ("The device %s cannot capture any format downstream accepts; "
				   "change the caps after the source to one the device offers "
				   "(v4l2-ctl -d %s --list-formats-ext)",
				   st->dev->path().c_str(), st->dev->path().c_str()),
				  ("downstream accepts %s; the device offers %s", want, have));
		g_free(want);
		g_free(have);
	}
	gst_clear_caps(&peer);
	return FALSE;
}

static gboolean apply_format(GstDmabufV4l2Src *self, const GstVideoInfo &want,
			     uint32_t bytesPerLine)
{
	SrcState *st = self->state;
	v4l2::DeviceFormat f;
	f.fourcc =
		v4l2::fourccFromVideoFormat(GST_VIDEO_INFO_FORMAT(&want), st->dev->multiPlanar());
	f.width = GST_VIDEO_INFO_WIDTH(&want);
	f.height = GST_VIDEO_INFO_HEIGHT(&want);
	f.planes[0].bytesPerLine = bytesPerLine;
	f.numPlanes = 1;
	auto got = st->dev->setFormat(st->dev->captureType(), f);
	if (!got) {
		post_device_error(self, got.error(), "Cannot set the capture format");
		return FALSE;
	}
	if (got->fourcc != f.fourcc || got->width != f.width || got->height != f.height) {
		GST_ELEMENT_ERROR(self, CORE, NEGOTIATION,
				  ("The device cannot capture %s %ux%u",
				   gst_video_format_to_string(GST_VIDEO_INFO_FORMAT(&want)),
				   f.width, f.height),
				  ("VIDIOC_S_FMT on %s answered %s", st->dev->path().c_str(),
				   got->toString().c_str()));
		return FALSE;
	}
	GstVideoInfo info = want;
	if (auto r = v4l2::videoInfoFromFormat(*got, &info); !r) {
		GST_ELEMENT_ERROR(self, CORE, NEGOTIATION, ("Unusable format from the driver"),
				  ("%s", r.error().message.c_str()));
		return FALSE;
	}
	/* Keep what the caps say (framerate, colorimetry); the layout is the driver's. */
	GST_VIDEO_INFO_FPS_N(&info) = GST_VIDEO_INFO_FPS_N(&want);
	GST_VIDEO_INFO_FPS_D(&info) = GST_VIDEO_INFO_FPS_D(&want);
	st->fmt = *got;
	st->info = info;
	return TRUE;
}

static gboolean gst_dmabuf_v4l2_src_set_caps(GstBaseSrc *bsrc, GstCaps *caps)
{
	auto *self = GST_DMABUF_V4L2_SRC(bsrc);
	SrcState *st = self->state;
	if (st->configuredCaps && gst_caps_is_equal(st->configuredCaps, caps))
		return TRUE;
	GstVideoInfo want;
	if (!gst_video_info_from_caps(&want, caps)) {
		GST_ELEMENT_ERROR(self, CORE, NEGOTIATION, ("Invalid caps"),
				  ("%" GST_PTR_FORMAT, caps));
		return FALSE;
	}
	teardown(self);
	if (!apply_format(self, want, 0))
		return FALSE;
	if (GST_VIDEO_INFO_FPS_N(&want) > 0) {
		auto r = st->dev->setFrameRate(st->dev->captureType(), GST_VIDEO_INFO_FPS_N(&want),
					       GST_VIDEO_INFO_FPS_D(&want));
		if (!r)
			GST_WARNING_OBJECT(self, "%s", r.error().message.c_str());
		st->duration = gst_util_uint64_scale_int(GST_SECOND, GST_VIDEO_INFO_FPS_D(&want),
							 GST_VIDEO_INFO_FPS_N(&want));
	} else {
		st->duration = GST_CLOCK_TIME_NONE;
	}
	gst_caps_replace(&st->configuredCaps, caps);
	GST_INFO_OBJECT(self, "capturing %s", st->fmt.toString().c_str());
	return TRUE;
}

/* Configure and activate \a pool; fails, saying why, unless it hands out dma-bufs the driver can
 * fill. */
static Result<void> try_import_pool(GstDmabufV4l2Src *self, GstBufferPool *pool, GstCaps *caps,
				    unsigned minBuffers, bool downstream)
{
	SrcState *st = self->state;
	GstStructure *config = gst_buffer_pool_get_config(pool);
	gst_buffer_pool_config_set_params(config, caps, static_cast<guint>(st->info.size),
					  minBuffers, minBuffers);
	gst_buffer_pool_config_add_option(config, GST_BUFFER_POOL_OPTION_VIDEO_META);
	if (gst_buffer_pool_has_option(pool, kKmsPrimeExport))
		gst_buffer_pool_config_add_option(config, kKmsPrimeExport);
	/* Downstream's dmabufkit pool (a display's) allocates for our device's
	 * needs too; our own pool has them already. */
	if (downstream && DBK_IS_BUFFER_POOL(pool))
		addToPoolConfig(config, *st->capability);
	if (!gst_buffer_pool_set_config(pool, config)) {
		config = gst_buffer_pool_get_config(pool);
		if (!gst_buffer_pool_set_config(pool, config)) {
			const gchar *why =
				DBK_IS_BUFFER_POOL(pool)
					? dbk_buffer_pool_get_error(DBK_BUFFER_POOL(pool))
					: nullptr;
			return Error{ EINVAL, std::string("the pool refused its configuration") +
						      (why ? std::string(": ") + why : "") };
		}
	}
	if (!gst_buffer_pool_set_active(pool, TRUE))
		return Error{ ENOMEM, "the pool could not allocate" };
	GstBuffer *probe = nullptr;
	if (gst_buffer_pool_acquire_buffer(pool, &probe, nullptr) != GST_FLOW_OK || !probe) {
		gst_buffer_pool_set_active(pool, FALSE);
		return Error{ ENOMEM, "the pool gave no buffer" };
	}
	ImportingQueue tmp(*st->dev, st->dev->captureType());
	std::optional<std::string> why = tmp.whyNotImportable(probe, st->fmt.planes[0].sizeImage);
	if (!why) {
		/* The probe import already told what the device refuses. */
		gchar *exporter = dbk_memory_get_exporter(gst_buffer_peek_memory(probe, 0));
		if (exporter) {
			Constraints needs = st->capability->constraints();
			if (const ExporterRefusal *r = needs.refusal(exporter))
				why = std::string("its dma-bufs come from ") + exporter +
				      ", which the device refused: " + r->reason;
			g_free(exporter);
		}
	}
	/* The pool's stride wins when the driver accepts it (vivid does). */
	GstVideoMeta *meta = gst_buffer_get_video_meta(probe);
	if (!why && meta && meta->stride[0] != st->info.stride[0]) {
		GstVideoInfo want = st->info;
		if (!apply_format(self, want, static_cast<uint32_t>(meta->stride[0])) ||
		    st->info.stride[0] != meta->stride[0])
			why = "the driver does not accept the pool's stride " +
			      std::to_string(meta->stride[0]);
	}
	if (!why && meta) {
		for (guint p = 0; p < meta->n_planes; ++p)
			if (meta->offset[p] != st->info.offset[p] ||
			    meta->stride[p] != st->info.stride[p])
				why = "plane " + std::to_string(p) +
				      " of the pool's layout differs from the driver's";
	}
	gst_buffer_unref(probe);
	if (why) {
		gst_buffer_pool_set_active(pool, FALSE);
		return Error{ EINVAL, *why };
	}
	return {};
}

/* A pool of our own for io-mode=import: downstream's needs (an encoder's
 * packed stride) and our device's (contiguity, refused exporters) shape it. */
static Result<GstBufferPool *> own_pool(GstDmabufV4l2Src *self, GstQuery *query)
{
	SrcState *st = self->state;
	auto c = poolConstraints(query, *st->capability, !st->dev->multiPlanar());
	if (!c)
		return c.error();
	DbkAllocator *alloc = nullptr;
	if (st->exporter != "auto") {
		GError *err = nullptr;
		alloc = dbk_allocator_new_for_exporter(st->exporter.c_str(), &err);
		if (!alloc) {
			Error e{ ENODEV,
				 std::string("exporter=") + st->exporter + ": " + err->message };
			g_error_free(err);
			return e;
		}
	}
	GstBufferPool *pool = dbk_buffer_pool_new(alloc ? alloc : st->allocator);
	if (alloc)
		gst_object_unref(alloc);
	GstStructure *config = gst_buffer_pool_get_config(pool);
	dbk_buffer_pool_config_set_constraints(config, &*c);
	dbk_buffer_pool_config_set_name_prefix(config, GST_OBJECT_NAME(self));
	gst_buffer_pool_set_config(pool, config);
	return pool;
}

static void set_decision(GstDmabufV4l2Src *self, const std::string &decision)
{
	GST_INFO_OBJECT(self, "allocation decision: %s", decision.c_str());
	GST_OBJECT_LOCK(self);
	self->state->decision = decision;
	GST_OBJECT_UNLOCK(self);
	g_object_notify(G_OBJECT(self), "allocation-decision");
}

/* Learn (once per device and process) what the capture queue imports; when
 * nothing does, io-mode=import fails here saying why, auto exports. */
static bool learn_import_capability(GstDmabufV4l2Src *self)
{
	SrcState *st = self->state;
	st->capability = v4l2::importCapability(*st->dev, st->dev->captureType(), st->fmt);
	GST_INFO_OBJECT(self, "%s: %s", st->capability->device.c_str(),
			st->capability->summary().c_str());
	auto none = st->capability->nothingWorks();
	if (none && st->ioMode == GST_DMABUF_V4L2_IO_MODE_IMPORT) {
		GST_ELEMENT_ERROR(self, RESOURCE, SETTINGS, ("%s", none->message.c_str()),
				  ("%s", st->capability->summary().c_str()));
		return false;
	}
	return true;
}

static gboolean setup_export(GstDmabufV4l2Src *self)
{
	SrcState *st = self->state;
	auto q = ExportingQueue::create(*st->dev, st->dev->captureType(), st->numV4l2Buffers,
					GST_OBJECT_NAME(self));
	if (!q) {
		post_device_error(self, q.error(), "Cannot allocate capture buffers");
		return FALSE;
	}
	auto source = std::make_unique<ExportingFrameSource>(std::move(q).value(), st->info,
							     st->allocator);
	GST_OBJECT_LOCK(self);
	st->source = std::move(source);
	GST_OBJECT_UNLOCK(self);
	st->active = GST_DMABUF_V4L2_IO_MODE_EXPORT;
	st->everActive = true;
	return TRUE;
}

IoMode v4l2_src_io_mode(GstDmabufV4l2IoMode m)
{
	switch (m) {
	case GST_DMABUF_V4L2_IO_MODE_EXPORT:
		return IoMode::Export;
	case GST_DMABUF_V4L2_IO_MODE_IMPORT:
		return IoMode::Import;
	default:
		return IoMode::Auto;
	}
}

static gboolean gst_dmabuf_v4l2_src_decide_allocation(GstBaseSrc *bsrc, GstQuery *query)
{
	auto *self = GST_DMABUF_V4L2_SRC(bsrc);
	SrcState *st = self->state;
	teardown(self);
	/* Behind a tee, every branch's consumer counts. */
	dbk_query_add_branch_constraints(GST_BASE_SRC_PAD(bsrc), query);
	GstCaps *caps = nullptr;
	gst_query_parse_allocation(query, &caps, nullptr);

	guint downstreamMin = 0;
	GstBufferPool *downstream = nullptr;
	if (gst_query_get_n_allocation_pools(query) > 0)
		gst_query_parse_nth_allocation_pool(query, 0, &downstream, nullptr, &downstreamMin,
						    nullptr);
	/* We manage our buffers; basesrc must not activate a pool of its own. */
	while (gst_query_get_n_allocation_pools(query) > 0)
		gst_query_remove_nth_allocation_pool(query, 0);

	const unsigned minBuffers = st->numV4l2Buffers + MAX(downstreamMin, 2u);
	IoModeChoice choice(v4l2_src_io_mode(st->ioMode), downstream != nullptr);
	if (choice.next()) {
		if (!learn_import_capability(self)) {
			if (downstream)
				gst_object_unref(downstream);
			return FALSE;
		}
		if (auto none = st->capability->nothingWorks()) {
			/* auto (or a named exporter): exporting still works. */
			if (downstream)
				gst_object_unref(downstream);
			GST_WARNING_OBJECT(self, "exporting: %s", none->message.c_str());
			set_decision(self, "export: " + none->message);
			return setup_export(self);
		}
	}
	GstBufferPool *pool = nullptr;
	while (auto candidate = choice.next()) {
		const bool isDownstream = *candidate == PoolCandidate::Downstream;
		GstBufferPool *p = nullptr;
		if (isDownstream) {
			p = std::exchange(downstream, nullptr);
		} else if (auto own = own_pool(self, query)) {
			p = *own;
		} else {
			choice.refuse(own.error().message);
			continue;
		}
		auto r = try_import_pool(self, p, caps, minBuffers, isDownstream);
		if (r) {
			choice.accept();
			pool = p;
			st->poolIsDownstream = isDownstream;
			if (isDownstream)
				GST_INFO_OBJECT(self,
						"importing into downstream's pool %" GST_PTR_FORMAT,
						pool);
			break;
		}
		if (isDownstream)
			GST_INFO_OBJECT(self, "downstream's pool is not importable: %s",
					r.error().message.c_str());
		gst_object_unref(p);
		choice.refuse(r.error().message);
	}
	if (downstream)
		gst_object_unref(downstream);
	if (choice.failed()) {
		GST_ELEMENT_ERROR(self, RESOURCE, SETTINGS,
				  ("io-mode=import: no pool gives dma-bufs %s can fill: %s",
				   st->dev->info().name.c_str(), choice.lastRefusal().c_str()),
				  ("%s", st->capability ? st->capability->summary().c_str() : ""));
		return FALSE;
	}
	if (!pool) {
		/* Exporting copies nothing either (not a GST_PERFORMANCE matter), but
		 * downstream then imports buffers it did not lay out. */
		GST_INFO_OBJECT(self, "exporting driver buffers: %s", choice.reason().c_str());
		set_decision(self, "export: the driver's own buffers (" + choice.reason() + ")");
		return setup_export(self);
	}
	set_decision(self, allocationDecision(pool, *st->capability));

	GST_OBJECT_LOCK(self);
	st->pool = pool;
	GST_OBJECT_UNLOCK(self);
	auto importing = std::make_unique<ImportingQueue>(*st->dev, st->dev->captureType());
	/* One V4L2 index per pool buffer, so every dma-buf keeps its index (no remaps). */
	auto n = importing->allocate(minBuffers);
	if (!n) {
		post_device_error(self, n.error(), "Cannot set up dma-buf import");
		return FALSE;
	}
	GST_INFO_OBJECT(self, "importing: %s; %u V4L2 indices", choice.reason().c_str(), *n);
	GST_OBJECT_LOCK(self);
	st->source = std::make_unique<ImportingFrameSource>(std::move(importing), pool);
	GST_OBJECT_UNLOCK(self);
	st->active = GST_DMABUF_V4L2_IO_MODE_IMPORT;
	st->everActive = true;
	return TRUE;
}

static GstFlowReturn start_streaming(GstDmabufV4l2Src *self)
{
	SrcState *st = self->state;
	auto filled = st->source->refill(true);
	if (!filled) {
		post_device_error(self, filled.error(), st->source->refillFailure());
		return GST_FLOW_ERROR;
	}
	if (*filled != GST_FLOW_OK)
		return *filled;
	if (auto r = st->source->streamOn(); !r) {
		post_device_error(self, r.error(), "Cannot start streaming");
		return GST_FLOW_ERROR;
	}
	GST_DEBUG_OBJECT(self, "streaming (%s)", st->source->mode());
	st->gaps.restart();
	st->streaming = true;
	return GST_FLOW_OK;
}

/*
 * Wait until the driver can deliver: for a buffer to come back from
 * downstream when it holds none (no watchdog: that is downstream's pace),
 * else for the device, up to timeout-ms. GST_FLOW_CUSTOM_SUCCESS: dequeue
 * again; GST_FLOW_OK: POLLERR, DQBUF tells why.
 */
static GstFlowReturn wait_for_frame(GstDmabufV4l2Src *self)
{
	SrcState *st = self->state;
	if (int starved = st->source->starvedFd(); starved >= 0) {
		struct pollfd fds[2] = { { starved, POLLIN, 0 }, { st->wake.get(), POLLIN, 0 } };
		if (poll(fds, 2, -1) < 0 && errno != EINTR) {
			post_device_error(self, Error::fromErrno(errno, "poll"), "Capture failed");
			return GST_FLOW_ERROR;
		}
		if (fds[1].revents & POLLIN)
			return GST_FLOW_FLUSHING;
		uint64_t v;
		(void)!read(starved, &v, sizeof(v));
		return GST_FLOW_CUSTOM_SUCCESS;
	}
	auto p = st->dev->poll(POLLIN, static_cast<int>(st->timeoutMs), st->wake.get());
	if (!p) {
		if (p.error().code == ECANCELED)
			return GST_FLOW_FLUSHING;
		post_device_error(self, p.error(), "No frame from the device");
		return GST_FLOW_ERROR;
	}
	return (*p & POLLERR) ? GST_FLOW_OK : GST_FLOW_CUSTOM_SUCCESS;
}

/* The device skipped frames before \a next: say whose fault it was and post
 * a QoS message with the totals, as GStreamer's live sources do. */
static void report_gap(GstDmabufV4l2Src *self, const SequenceGap &gap, GstBuffer *next)
{
	SrcState *st = self->state;
	GST_WARNING_OBJECT(self, "%s", gap.describe(st->dev->label()).c_str());
	const GstClockTime pts = GST_BUFFER_PTS(next);
	GstClockTime duration = GST_CLOCK_TIME_NONE, start = pts;
	if (GST_CLOCK_TIME_IS_VALID(st->duration)) {
		duration = st->duration * gap.lost;
		if (GST_CLOCK_TIME_IS_VALID(pts) && pts >= duration)
			start = pts - duration;
	}
	GstMessage *m = gst_message_new_qos(GST_OBJECT(self), TRUE, start, GST_CLOCK_TIME_NONE,
					    start, duration);
	gst_message_set_qos_stats(m, GST_FORMAT_BUFFERS, st->frames, st->gaps.lost());
	gst_element_post_message(GST_ELEMENT(self), m);
}

static GstFlowReturn gst_dmabuf_v4l2_src_create(GstPushSrc *psrc, GstBuffer **out)
{
	auto *self = GST_DMABUF_V4L2_SRC(psrc);
	SrcState *st = self->state;
	if (!st->source) {
		GST_ELEMENT_ERROR(self, CORE, NEGOTIATION, ("No buffers were set up"), (nullptr));
		return GST_FLOW_NOT_NEGOTIATED;
	}
	if (!st->streaming) {
		GstFlowReturn ret = start_streaming(self);
		if (ret != GST_FLOW_OK)
			return ret;
	}
	FrameSource &source = *st->source;
	for (;;) {
		auto filled = source.refill(false);
		if (!filled) {
			post_device_error(self, filled.error(), source.refillFailure());
			return GST_FLOW_ERROR;
		}
		if (*filled != GST_FLOW_OK)
			return *filled;
		auto d = source.dequeue();
		if (!d) {
			post_device_error(self, d.error(), "Capture failed");
			return GST_FLOW_ERROR;
		}
		if (!*d) {
			GstFlowReturn ret = wait_for_frame(self);
			if (ret == GST_FLOW_CUSTOM_SUCCESS)
				continue;
			if (ret != GST_FLOW_OK)
				return ret;
			/* POLLERR: DQBUF tells why (EIO: fatal streaming error, ENODEV:
			 * disconnect). */
			d = source.dequeue();
			if (!d) {
				post_device_error(self, d.error(), "Capture failed");
				return GST_FLOW_ERROR;
			}
			if (!*d) {
				post_device_error(
					self,
					Error{ EIO, "poll on " + st->dev->path() +
							    " reported an error with no buffer" },
					"Capture failed");
				return GST_FLOW_ERROR;
			}
		}
		CapturedFrame &frame = **d;
		if (frame.info.hasError()) {
			/* A corrupt frame: drop it and carry on (documented recovery). */
			st->errorFrames++;
			GST_WARNING_OBJECT(self, "driver flagged frame %u as corrupt; dropped",
					   frame.info.sequence);
			if (auto r = source.drop(frame); !r) {
				post_device_error(self, r.error(), "Cannot requeue a buffer");
				return GST_FLOW_ERROR;
			}
			continue;
		}
		auto delivered = source.deliver(frame);
		if (!delivered) {
			if (delivered.error().code == ENOENT)
				GST_ELEMENT_ERROR(self, RESOURCE, FAILED,
						  ("%s", delivered.error().message.c_str()),
						  ("index %u", frame.info.index));
			else
				GST_ELEMENT_ERROR(self, RESOURCE, FAILED,
						  ("%s", delivered.error().message.c_str()),
						  (nullptr));
			return GST_FLOW_ERROR;
		}
		GstBuffer *buf = *delivered;
		GST_BUFFER_PTS(buf) =
			driverTimestampToRunningTime(GST_ELEMENT(self), frame.info.timestampNs);
		GST_BUFFER_DTS(buf) = GST_CLOCK_TIME_NONE;
		GST_BUFFER_DURATION(buf) = st->duration;
		GST_BUFFER_OFFSET(buf) = frame.info.sequence;
		GST_BUFFER_OFFSET_END(buf) = frame.info.sequence + 1;
		const CapturedTiming timing{ frame.info.sequence, frame.info.timestampNs,
					     !(frame.info.flags & V4L2_BUF_FLAG_TSTAMP_SRC_SOE),
					     source.queuedAtNs(frame.info.index),
					     source.queuedCount() };
		GST_LOG_OBJECT(self,
			       "frame %u (%s, V4L2 index %u; the driver holds %u more), "
			       "driver time %" G_GUINT64_FORMAT " ns",
			       timing.sequence, source.mode(), frame.info.index, timing.driverHeld,
			       timing.timestampNs);
		const uint64_t periodNs = GST_CLOCK_TIME_IS_VALID(st->duration) ? st->duration : 0;
		if (auto gap = st->gaps.observe(timing, periodNs))
			report_gap(self, *gap, buf);
		st->frames++;
		*out = buf;
		return GST_FLOW_OK;
	}
}

static gboolean gst_dmabuf_v4l2_src_query(GstBaseSrc *bsrc, GstQuery *query)
{
	auto *self = GST_DMABUF_V4L2_SRC(bsrc);
	SrcState *st = self->state;
	if (GST_QUERY_TYPE(query) == GST_QUERY_LATENCY) {
		if (!st->dev || !GST_CLOCK_TIME_IS_VALID(st->duration))
			return FALSE;
		/* A frame is ready one frame time after capture starts; the driver
		 * can hold as many as it has buffers. */
		GstClockTime min = st->duration;
		GstClockTime max = st->duration * st->numV4l2Buffers;
		gst_query_set_latency(query, TRUE, min, max);
		return TRUE;
	}
	return GST_BASE_SRC_CLASS(gst_dmabuf_v4l2_src_parent_class)->query(bsrc, query);
}

static gboolean gst_dmabuf_v4l2_src_unlock(GstBaseSrc *bsrc)
{
	SrcState *st = GST_DMABUF_V4L2_SRC(bsrc)->state;
	if (st->wake) {
		uint64_t one = 1;
		(void)!write(st->wake.get(), &one, sizeof(one));
	}
	if (st->pool)
		gst_buffer_pool_set_flushing(st->pool, TRUE);
	return TRUE;
}

static gboolean gst_dmabuf_v4l2_src_unlock_stop(GstBaseSrc *bsrc)
{
	SrcState *st = GST_DMABUF_V4L2_SRC(bsrc)->state;
	if (st->wake) {
		uint64_t v;
		(void)!read(st->wake.get(), &v, sizeof(v));
	}
	if (st->pool)
		gst_buffer_pool_set_flushing(st->pool, FALSE);
	return TRUE;
}

static void gst_dmabuf_v4l2_src_finalize(GObject *object)
{
	delete GST_DMABUF_V4L2_SRC(object)->state;
	G_OBJECT_CLASS(gst_dmabuf_v4l2_src_parent_class)->finalize(object);
}

static void gst_dmabuf_v4l2_src_class_init(GstDmabufV4l2SrcClass *klass)
{
	GObjectClass *oc = G_OBJECT_CLASS(klass);
	GstElementClass *ec = GST_ELEMENT_CLASS(klass);
	GstBaseSrcClass *bc = GST_BASE_SRC_CLASS(klass);
	GstPushSrcClass *pc = GST_PUSH_SRC_CLASS(klass);

	oc->set_property = v4l2_src_set_property;
	oc->get_property = v4l2_src_get_property;
	oc->finalize = gst_dmabuf_v4l2_src_finalize;

	v4l2_src_install_properties(oc);

	GstCaps *tmpl = allRawCaps();
	gst_element_class_add_pad_template(
		ec, gst_pad_template_new("src", GST_PAD_SRC, GST_PAD_ALWAYS, tmpl));
	gst_caps_unref(tmpl);
	gst_element_class_set_static_metadata(
		ec, "V4L2 dma-buf source", "Source/Video",
		"Captures from a V4L2 device as dma-bufs, without copying", "dmabufkit developers");

	bc->start = gst_dmabuf_v4l2_src_start;
	bc->stop = gst_dmabuf_v4l2_src_stop;
	bc->get_caps = gst_dmabuf_v4l2_src_get_caps;
	bc->fixate = gst_dmabuf_v4l2_src_fixate;
	bc->negotiate = gst_dmabuf_v4l2_src_negotiate;
	bc->set_caps = gst_dmabuf_v4l2_src_set_caps;
	bc->decide_allocation = gst_dmabuf_v4l2_src_decide_allocation;
	bc->query = gst_dmabuf_v4l2_src_query;
	bc->unlock = gst_dmabuf_v4l2_src_unlock;
	bc->unlock_stop = gst_dmabuf_v4l2_src_unlock_stop;
	pc->create = gst_dmabuf_v4l2_src_create;

	GST_DEBUG_CATEGORY_INIT(dmabuf_v4l2_src_debug, "dmabufv4l2src", 0, "dmabufkit V4L2 source");
}

static void gst_dmabuf_v4l2_src_init(GstDmabufV4l2Src *self)
{
	self->state = new SrcState;
	gst_base_src_set_live(GST_BASE_SRC(self), TRUE);
	gst_base_src_set_format(GST_BASE_SRC(self), GST_FORMAT_TIME);
}

gboolean dbk_v4l2src_register(GstPlugin *plugin)
{
	return gst_element_register(plugin, "dmabufv4l2src", GST_RANK_NONE,
				    GST_TYPE_DMABUF_V4L2_SRC);
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/**
 * SECTION:element-dmabufkmssink
 * @title: dmabufkmssink
 *
 * Shows video on a KMS display with atomic modesetting. dma-buf frames are
 * imported zero-copy (drmPrimeFDToHandle + AddFB2 with the GstVideoMeta
 * strides and offsets) and their framebuffers cached per dma-buf; frames are
 * presented with non-blocking page-flip commits and a frame is given back
 * only once its successor is on screen. Upstream is offered a pool of
 * scanout buffers (DRM dumb buffers as dma-bufs). Anything that cannot be
 * imported is copied into such a buffer, counted in "copies", with one
 * warning naming the reason.
 *
 * With "writeback" the device's writeback connector is attached to the CRTC
 * and, at EOS, the frame on screen is committed once more with a writeback
 * framebuffer so the capture is exactly what the CRTC composed;
 * "last-writeback" returns it and "writeback-location" saves it as PNG. "stats" holds the
 * counters as a structure, also posted as an element message at EOS.
 *
 * The CPU touches frames only to copy them and to read the writeback capture;
 * it first waits for the devices still using those dma-bufs, at most
 * "fence-timeout" ms (then RESOURCE BUSY naming the buffer, not a hang).
 *
 * ## Example
 * |[
 * gst-launch-1.0 videotestsrc num-buffers=60 ! video/x-raw,format=BGRx,width=640,height=480 \
 *     ! dmabufupload ! dmabufkmssink writeback=true writeback-location=/tmp/shown.png
 * ]|
 */
#include "gstdmabufkmssink.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>

#include <dmabufkit/dbk_constraints_convert.h>
#include <gst/allocators/allocators.h>
#include <gst/video/videooverlay.h>

#include "../elements.h"
#include "kms_format.h"
#include "kms_sink_caps.h"
#include "kms_sink_copy.h"
#include "kms_sink_import.h"
#include "kms_sink_private.h"
#include "kms_sink_properties.h"
#include "kms_writeback.h"

GST_DEBUG_CATEGORY(dmabuf_kms_sink_debug);
#define GST_CAT_DEFAULT dmabuf_kms_sink_debug
/* Copies into scanout buffers are reported here too (GST_PERFORMANCE). */
static GstDebugCategory *perf_cat;

using namespace dmabufkit;
using namespace dmabufkit::kms;

static void gst_dmabuf_kms_sink_overlay_init(GstVideoOverlayInterface *iface);

G_DEFINE_TYPE_WITH_CODE(GstDmabufKmsSink, gst_dmabuf_kms_sink, GST_TYPE_VIDEO_SINK,
			G_IMPLEMENT_INTERFACE(GST_TYPE_VIDEO_OVERLAY,
					      gst_dmabuf_kms_sink_overlay_init))

/* ---- device open / close ---------------------------------------------- */

static gboolean gst_dmabuf_kms_sink_start(GstBaseSink *bsink)
{
	auto *self = GST_DMABUF_KMS_SINK(bsink);
	KmsSinkState *st = self->state;
	DeviceSelection sel;
	std::string requestedMode;
	bool writeback;
	GST_OBJECT_LOCK(self);
	sel = st->sel;
	requestedMode = st->mode;
	writeback = st->writeback;
	GST_OBJECT_UNLOCK(self);
	sel.writeback = writeback;

	auto dev = KmsDevice::open(sel);
	if (!dev) {
		const Error &e = dev.error();
		if (e.code == EBUSY)
			GST_ELEMENT_ERROR(self, RESOURCE, BUSY, ("The KMS device is busy"),
					  ("%s", e.message.c_str()));
		else if (e.code == ENODEV || e.code == ENOENT)
			GST_ELEMENT_ERROR(self, RESOURCE, NOT_FOUND, ("No usable KMS device found"),
					  ("%s", e.message.c_str()));
		else
			GST_ELEMENT_ERROR(self, RESOURCE, OPEN_READ_WRITE,
					  ("Cannot open the KMS device"),
					  ("%s", e.message.c_str()));
		return FALSE;
	}
	if (writeback && !(*dev)->writeback()) {
		GST_ELEMENT_ERROR(
			self, RESOURCE, SETTINGS, ("The KMS device has no writeback connector"),
			("%s offers no writeback connector for CRTC %u; set writeback=false",
			 (*dev)->path().c_str(), (*dev)->crtcId()));
		return FALSE;
	}
	if (!requestedMode.empty()) {
		auto m = selectMode((*dev)->modeCandidates(nullptr), std::nullopt, 0, 0,
				    requestedMode);
		if (!m) {
			GST_ELEMENT_ERROR(
				self, RESOURCE, SETTINGS,
				("Display mode \"%s\" is not available", requestedMode.c_str()),
				("%s: %s", (*dev)->connectorName().c_str(),
				 m.error().message.c_str()));
			return FALSE;
		}
	}
	DbkAllocator *alloc = nullptr;
	if (auto a = kms_sink_scanout_allocator((*dev)->path()))
		alloc = *a;
	else
		GST_WARNING_OBJECT(self, "no scanout pool for upstream: %s",
				   a.error().message.c_str());

	auto presenter = std::make_unique<Presenter>(**dev);
	if (auto r = presenter->start(); !r) {
		GST_ELEMENT_ERROR(self, RESOURCE, FAILED, ("Cannot start the page-flip loop"),
				  ("%s", r.error().message.c_str()));
		if (alloc)
			gst_object_unref(alloc);
		return FALSE;
	}
	st->cache = std::make_shared<FramebufferCache>((*dev)->fd(), (*dev)->name());
	st->display = displayImportCapability((*dev)->fd(), (*dev)->name());
	/* Fault injection for tests: upstream buffers fail to import with this errno. */
	const char *inj = g_getenv("DMABUFKIT_KMS_INJECT_IMPORT_ERROR");
	st->injectedImportError = inj ? (atoi(inj) > 0 ? atoi(inj) : EINVAL) : 0;
	gchar *q = g_strdup_printf("dmabufkmssink-fb-%p-%p", (void *)self, (void *)st->cache.get());
	st->fbQuark = g_quark_from_string(q);
	g_free(q);
	std::lock_guard run(st->runLock);
	st->allocator = alloc;
	st->presenter = std::move(presenter);
	st->dev = std::move(*dev);
	st->haveCaps = false;
	st->modes.clear();
	st->lastBuffer = nullptr;
	st->warnedCopy = false;
	st->capturedAtEos = false;
	st->negotiationErrorPosted = false;
	GST_INFO_OBJECT(self, "using %s", st->dev->describe().c_str());
	return TRUE;
}

/* Capture the frame on screen (writeback=true), then save it if asked to. */
static void capture_and_save(GstDmabufKmsSink *self)
{
	KmsSinkState *st = self->state;
	GST_OBJECT_LOCK(self);
	std::string path = st->writebackLocation;
	bool writeback = st->writeback;
	const gint fenceTimeoutMs = st->fenceTimeoutMs;
	GST_OBJECT_UNLOCK(self);
	if (!writeback || !st->presenter)
		return;
	if (auto r = st->presenter->capture(kFlipTimeoutMs); !r) {
		GST_ELEMENT_WARNING(self, RESOURCE, READ, ("Cannot capture the frame on screen"),
				    ("writeback connector: %s", r.error().message.c_str()));
		return;
	}
	Capture c;
	if (path.empty() || !st->presenter)
		return;
	auto latest = st->presenter->latestCapture(&c, fenceTimeoutMs);
	if (!latest) {
		kms_sink_post_fence_error(self, "reading the writeback capture", latest.error());
		return;
	}
	if (!*latest)
		return;
	if (auto r = writePng(path, c); !r)
		GST_ELEMENT_WARNING(self, RESOURCE, WRITE, ("Cannot save the writeback frame"),
				    ("%s", r.error().message.c_str()));
	else
		GST_INFO_OBJECT(self, "saved writeback capture %" G_GUINT64_FORMAT " to %s",
				c.sequence, path.c_str());
}

static gboolean gst_dmabuf_kms_sink_stop(GstBaseSink *bsink)
{
	auto *self = GST_DMABUF_KMS_SINK(bsink);
	KmsSinkState *st = self->state;
	if (st->presenter) {
		st->presenter->waitIdle(kFlipTimeoutMs);
		if (!st->capturedAtEos)
			capture_and_save(self);
	}
	std::lock_guard run(st->runLock);
	if (st->dev) {
		if (auto r = st->dev->restore(); !r)
			GST_ELEMENT_WARNING(self, RESOURCE, SETTINGS,
					    ("Cannot restore the display state"),
					    ("%s", r.error().message.c_str()));
	}
	if (st->presenter)
		st->presenter->stop();
	if (st->cache)
		st->cache->clear();
	if (st->copyPool) {
		gst_buffer_pool_set_active(st->copyPool, FALSE);
		gst_object_unref(st->copyPool);
		st->copyPool = nullptr;
	}
	if (st->allocator) {
		gst_object_unref(st->allocator);
		st->allocator = nullptr;
	}
	st->presenter.reset();
	st->cache.reset();
	st->dev.reset();
	st->haveCaps = false;
	return TRUE;
}

/* ---- caps and allocation ---------------------------------------------- */

static GstCaps *gst_dmabuf_kms_sink_get_caps(GstBaseSink *bsink, GstCaps *filter)
{
	auto *self = GST_DMABUF_KMS_SINK(bsink);
	KmsSinkState *st = self->state;
	GstCaps *caps = st->dev ? kms_sink_device_caps(*st->dev) : kms_sink_template_caps();
	if (filter) {
		GstCaps *r = gst_caps_intersect_full(filter, caps, GST_CAPS_INTERSECT_FIRST);
		gst_caps_unref(caps);
		caps = r;
		if (gst_caps_is_empty(caps) && st->dev && !st->negotiationErrorPosted &&
		    !gst_caps_is_empty(filter) && !gst_caps_is_any(filter)) {
			/* Nothing upstream offers can be shown: negotiation is about to
			 * fail, say why instead of leaving only "not-negotiated". */
			st->negotiationErrorPosted = true;
			gchar *offer = gst_caps_to_string(filter);
			GST_ELEMENT_ERROR(
				self, CORE, NEGOTIATION,
				("The display plane cannot show the offered video format"),
				("upstream offers %s; plane %u of %s accepts only %s. Insert "
				 "dmabufcpufilter or videoconvert.",
				 offer, st->dev->planeId(), st->dev->driver().c_str(),
				 kms_sink_plane_format_names(*st->dev).c_str()));
			g_free(offer);
		}
	}
	return caps;
}

/* Configure the presenter with every ranked mode the frame can be placed in. */
static Result<void> apply_placement(GstDmabufKmsSink *self)
{
	KmsSinkState *st = self->state;
	GST_OBJECT_LOCK(self);
	std::optional<Rect> render = st->render;
	bool writeback = st->writeback;
	st->renderChanged = false;
	GST_OBJECT_UNLOCK(self);
	std::vector<OutputConfig> configs;
	std::string unplaced;
	for (const auto &[m, why] : st->modes) {
		auto p = placeFrame(GST_VIDEO_INFO_WIDTH(&st->info),
				    GST_VIDEO_INFO_HEIGHT(&st->info), m.hdisplay, m.vdisplay,
				    render, false);
		if (!p) {
			unplaced += (unplaced.empty() ? "" : "; ") + modeName(m) + ": " +
				    p.error().message;
			GST_DEBUG_OBJECT(self, "mode %s (%s) skipped: %s", modeName(m).c_str(),
					 why.c_str(), p.error().message.c_str());
			continue;
		}
		GST_DEBUG_OBJECT(self, "candidate mode %s (%s), frame %ux%u+%d+%d -> %ux%u+%d+%d",
				 modeName(m).c_str(), why.c_str(), p->src.width, p->src.height,
				 p->src.x, p->src.y, p->dst.width, p->dst.height, p->dst.x,
				 p->dst.y);
		configs.push_back({ m, *p, why });
	}
	if (configs.empty())
		return Error{ EINVAL, unplaced };
	return st->presenter->configure(std::move(configs), writeback);
}

static gboolean gst_dmabuf_kms_sink_set_caps(GstBaseSink *bsink, GstCaps *caps)
{
	auto *self = GST_DMABUF_KMS_SINK(bsink);
	KmsSinkState *st = self->state;
	GstVideoInfo info;
	if (!st->dev || !gst_video_info_from_caps(&info, caps)) {
		GST_ELEMENT_ERROR(self, CORE, NEGOTIATION, ("Invalid video caps"),
				  ("cannot parse %" GST_PTR_FORMAT, caps));
		return FALSE;
	}
	const char *name = gst_video_format_to_string(GST_VIDEO_INFO_FORMAT(&info));
	uint32_t fourcc = drmFormatForGst(name ? name : "");
	bool onPlane = false;
	for (uint32_t f : st->dev->planeFormats())
		onPlane |= fourcc && f == fourcc;
	if (!onPlane) {
		GST_ELEMENT_ERROR(self, CORE, NEGOTIATION,
				  ("The display plane cannot show %s video", name ? name : "this"),
				  ("plane %u of %s accepts only %s", st->dev->planeId(),
				   st->dev->driver().c_str(),
				   kms_sink_plane_format_names(*st->dev).c_str()));
		return FALSE;
	}
	st->info = info;
	st->fourcc = fourcc;
	st->pixelFormat = findPixelFormat(name);
	if (st->copyPool) {
		gst_buffer_pool_set_active(st->copyPool, FALSE);
		gst_object_unref(st->copyPool);
		st->copyPool = nullptr;
	}
	{
		/* The mode in use stays first when the size changes later. */
		GST_OBJECT_LOCK(self);
		std::string requested = st->mode;
		GST_OBJECT_UNLOCK(self);
		std::optional<size_t> current;
		auto cands = st->dev->modeCandidates(&current);
		auto ranked = rankModes(cands, current, GST_VIDEO_INFO_WIDTH(&info),
					GST_VIDEO_INFO_HEIGHT(&info), requested);
		if (!ranked) {
			GST_ELEMENT_ERROR(self, RESOURCE, SETTINGS, ("No usable display mode"),
					  ("%s", ranked.error().message.c_str()));
			return FALSE;
		}
		st->modes.clear();
		if (auto a = st->presenter->active(); a && requested.empty())
			st->modes.emplace_back(a->mode, "in use");
		for (const auto &c : *ranked)
			st->modes.emplace_back(st->dev->modeAt(c.index), c.reason);
		for (const auto &[m, why] : st->modes)
			GST_DEBUG_OBJECT(self, "mode to try: %s (%s)", modeName(m).c_str(),
					 why.c_str());
	}
	if (auto r = apply_placement(self); !r) {
		GST_ELEMENT_ERROR(self, RESOURCE, SETTINGS,
				  ("Cannot place the video on the display"),
				  ("%s", r.error().message.c_str()));
		return FALSE;
	}
	st->haveCaps = true;
	return TRUE;
}

static gboolean gst_dmabuf_kms_sink_propose_allocation(GstBaseSink *bsink, GstQuery *query)
{
	auto *self = GST_DMABUF_KMS_SINK(bsink);
	KmsSinkState *st = self->state;
	GstCaps *caps = nullptr;
	gboolean needPool = FALSE;
	gst_query_parse_allocation(query, &caps, &needPool);

	/* Scanout memory: the display's dumb buffers or what it proved it imports. */
	Constraints needs = st->display ? st->display->constraints() : Constraints{};
	gchar *who = g_strdup_printf("%s (KMS plane %u)", GST_OBJECT_NAME(self),
				     st->dev ? st->dev->planeId() : 0);
	needs.consumer = who;
	g_free(who);
	needs.scanout = true;
	GST_OBJECT_LOCK(self);
	needs.strideAlign = st->strideAlign;
	GST_OBJECT_UNLOCK(self);
	DbkConstraints c;
	dmabufkit::gst::fromCore(needs, &c);

	GstVideoInfo info;
	if (caps && needPool && st->allocator && gst_video_info_from_caps(&info, caps)) {
		GstBufferPool *pool = dbk_buffer_pool_new(st->allocator);
		GstStructure *config = gst_buffer_pool_get_config(pool);
		gst_buffer_pool_config_set_params(config, caps, guint(info.size), 3, 0);
		gst_buffer_pool_config_add_option(config, GST_BUFFER_POOL_OPTION_VIDEO_META);
		dbk_buffer_pool_config_set_constraints(config, &c);
		dbk_buffer_pool_config_set_name_prefix(config, GST_OBJECT_NAME(self));
		if (gst_buffer_pool_set_config(pool, config)) {
			GstVideoInfo used;
			dbk_buffer_pool_get_video_info(DBK_BUFFER_POOL(pool), &used);
			gst_query_add_allocation_pool(query, pool, guint(used.size), 3, 0);
		} else {
			const gchar *why = dbk_buffer_pool_get_error(DBK_BUFFER_POOL(pool));
			GST_WARNING_OBJECT(self, "not offering a scanout pool: %s",
					   why ? why : "?");
		}
		gst_object_unref(pool);
	}
	gst_query_add_allocation_meta(query, GST_VIDEO_META_API_TYPE, nullptr);
	dbk_query_add_constraints(query, &c);
	return TRUE;
}

/* ---- import, copy, present -------------------------------------------- */

static GstFlowReturn gst_dmabuf_kms_sink_show_frame(GstVideoSink *vsink, GstBuffer *buf)
{
	auto *self = GST_DMABUF_KMS_SINK(vsink);
	KmsSinkState *st = self->state;
	if (!st->presenter || !st->haveCaps) {
		GST_ELEMENT_ERROR(self, CORE, NEGOTIATION, ("No caps before the first frame"),
				  (nullptr));
		return GST_FLOW_NOT_NEGOTIATED;
	}
	GST_OBJECT_LOCK(self);
	bool renderChanged = st->renderChanged;
	GST_OBJECT_UNLOCK(self);
	if (renderChanged) {
		if (auto r = apply_placement(self); !r)
			GST_ELEMENT_WARNING(self, RESOURCE, SETTINGS,
					    ("Cannot apply the render rectangle"),
					    ("%s", r.error().message.c_str()));
	}

	GstBuffer *show = nullptr;
	auto fb = kms_sink_import_buffer(self, buf, false);
	if (fb) {
		show = gst_buffer_ref(buf);
	} else {
		st->importFailures++;
		std::string reason = fb.error().message;
		if (!st->warnedCopy) {
			st->warnedCopy = true;
			st->copyReason = reason;
			GST_CAT_WARNING_OBJECT(perf_cat, self,
					       "copying every frame into a scanout buffer: %s",
					       reason.c_str());
			GST_ELEMENT_WARNING(self, STREAM, FAILED,
					    ("Cannot show the frames zero-copy; copying each frame "
					     "into a scanout buffer"),
					    ("import failed: %s", reason.c_str()));
		}
		auto copy = kms_sink_copy_to_scanout(self, buf);
		if (copy) {
			show = *copy;
			fb = kms_sink_import_buffer(self, show, true);
		} else if (copy.error().code == ETIMEDOUT) {
			st->failedFrames++;
			kms_sink_post_fence_error(self, "copying the frame into a scanout buffer",
						  copy.error());
			return GST_FLOW_ERROR;
		}
		if (!show || !fb) {
			if (show)
				gst_buffer_unref(show);
			st->failedFrames++;
			GST_ELEMENT_ERROR(
				self, RESOURCE, WRITE, ("Cannot show the frame"),
				("import failed (%s) and the copy fallback failed too (%s)",
				 reason.c_str(),
				 show ? fb.error().message.c_str() : copy.error().message.c_str()));
			return GST_FLOW_ERROR;
		}
		st->copies++;
		GST_CAT_LOG_OBJECT(perf_cat, self,
				   "copied frame %" GST_TIME_FORMAT
				   " into a scanout buffer (copy %" G_GUINT64_FORMAT ")",
				   GST_TIME_ARGS(GST_BUFFER_PTS(buf)), guint64(st->copies));
	}

	KmsFrame frame;
	frame.fbId = *fb;
	frame.newFrame = !(buf == st->lastBuffer && GST_BUFFER_PTS(buf) == st->lastPts);
	st->lastBuffer = buf;
	st->lastPts = GST_BUFFER_PTS(buf);
	frame.hold = std::shared_ptr<void>(show, [](void *b) { gst_buffer_unref(GST_BUFFER(b)); });
	auto r = st->presenter->present(std::move(frame), kFlipTimeoutMs);
	if (!r) {
		if (r.error().code == EAGAIN)
			return GST_FLOW_FLUSHING;
		st->failedFrames++;
		GST_ELEMENT_ERROR(
			self, RESOURCE, WRITE, ("The display did not take the frame"),
			("%s: %s", st->dev->describe().c_str(), r.error().message.c_str()));
		return GST_FLOW_ERROR;
	}
	return GST_FLOW_OK;
}

static gboolean gst_dmabuf_kms_sink_unlock(GstBaseSink *bsink)
{
	auto *self = GST_DMABUF_KMS_SINK(bsink);
	if (self->state->presenter)
		self->state->presenter->setFlushing(true);
	return TRUE;
}

static gboolean gst_dmabuf_kms_sink_unlock_stop(GstBaseSink *bsink)
{
	auto *self = GST_DMABUF_KMS_SINK(bsink);
	if (self->state->presenter)
		self->state->presenter->setFlushing(false);
	return TRUE;
}

static gboolean gst_dmabuf_kms_sink_event(GstBaseSink *bsink, GstEvent *event)
{
	auto *self = GST_DMABUF_KMS_SINK(bsink);
	if (GST_EVENT_TYPE(event) == GST_EVENT_EOS && self->state->presenter) {
		/* Report once the last frame is on screen (and captured). */
		self->state->presenter->waitIdle(kFlipTimeoutMs);
		capture_and_save(self);
		self->state->capturedAtEos = true;
		gst_element_post_message(
			GST_ELEMENT(self),
			gst_message_new_element(GST_OBJECT(self), kms_sink_collect_stats(self)));
	}
	return GST_BASE_SINK_CLASS(gst_dmabuf_kms_sink_parent_class)->event(bsink, event);
}

/* ---- GstVideoOverlay (render rectangle only) --------------------------- */

static void gst_dmabuf_kms_sink_set_render_rectangle(GstVideoOverlay *overlay, gint x, gint y,
						     gint width, gint height)
{
	auto *self = GST_DMABUF_KMS_SINK(overlay);
	GST_OBJECT_LOCK(self);
	if (width > 0 && height > 0)
		self->state->render = Rect{ x, y, guint(width), guint(height) };
	else
		self->state->render.reset();
	self->state->renderChanged = self->state->haveCaps;
	GST_OBJECT_UNLOCK(self);
}

static void gst_dmabuf_kms_sink_expose(GstVideoOverlay *)
{
}
static void gst_dmabuf_kms_sink_set_window_handle(GstVideoOverlay *, guintptr)
{
}

static void gst_dmabuf_kms_sink_overlay_init(GstVideoOverlayInterface *iface)
{
	iface->set_render_rectangle = gst_dmabuf_kms_sink_set_render_rectangle;
	iface->expose = gst_dmabuf_kms_sink_expose;
	iface->set_window_handle = gst_dmabuf_kms_sink_set_window_handle;
}

/* ---- GObject ------------------------------------------------------------ */

static void gst_dmabuf_kms_sink_finalize(GObject *object)
{
	delete GST_DMABUF_KMS_SINK(object)->state;
	G_OBJECT_CLASS(gst_dmabuf_kms_sink_parent_class)->finalize(object);
}

static void gst_dmabuf_kms_sink_class_init(GstDmabufKmsSinkClass *klass)
{
	GObjectClass *oc = G_OBJECT_CLASS(klass);
	GstElementClass *ec = GST_ELEMENT_CLASS(klass);
	GstBaseSinkClass *bc = GST_BASE_SINK_CLASS(klass);
	GstVideoSinkClass *vc = GST_VIDEO_SINK_CLASS(klass);

	oc->set_property = kms_sink_set_property;
	oc->get_property = kms_sink_get_property;
	oc->finalize = gst_dmabuf_kms_sink_finalize;

	kms_sink_install_properties(oc);

	GstCaps *caps = kms_sink_template_caps();
	gst_element_class_add_pad_template(
		ec, gst_pad_template_new("sink", GST_PAD_SINK, GST_PAD_ALWAYS, caps));
	gst_caps_unref(caps);
	gst_element_class_set_static_metadata(
		ec, "Atomic KMS video sink", "Sink/Video",
		"Shows dma-buf video on a KMS display with atomic commits, zero-copy import and "
		"writeback capture",
		"dmabufkit developers");

	bc->start = gst_dmabuf_kms_sink_start;
	bc->stop = gst_dmabuf_kms_sink_stop;
	bc->get_caps = gst_dmabuf_kms_sink_get_caps;
	bc->set_caps = gst_dmabuf_kms_sink_set_caps;
	bc->propose_allocation = gst_dmabuf_kms_sink_propose_allocation;
	bc->unlock = gst_dmabuf_kms_sink_unlock;
	bc->unlock_stop = gst_dmabuf_kms_sink_unlock_stop;
	bc->event = gst_dmabuf_kms_sink_event;
	vc->show_frame = gst_dmabuf_kms_sink_show_frame;

	GST_DEBUG_CATEGORY_INIT(dmabuf_kms_sink_debug, "dmabufkmssink", 0,
				"dmabufkit atomic KMS sink");
	GST_DEBUG_CATEGORY_GET(perf_cat, "GST_PERFORMANCE");
}

static void gst_dmabuf_kms_sink_init(GstDmabufKmsSink *self)
{
	self->state = new KmsSinkState;
}

gboolean dbk_kms_sink_register(GstPlugin *plugin)
{
	return gst_element_register(plugin, "dmabufkmssink", GST_RANK_NONE,
				    GST_TYPE_DMABUF_KMS_SINK);
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "hooks.h"

#include <algorithm>
#include <string>

#include <dmabufkit/dbk_allocator.h>
#include <dmabufkit/dbk_buffer_pool.h>
#include <gst/video/video.h>

#include "factory_names.h"
#include "fence_waits.h"
#include "graph_walk.h"
#include "journey_hooks.h"
#include "publisher.h"
#include "tracer_state.h"

namespace dmabufkit::dmabuftrace {

/* Streaming thread: everything below must stay cheap. */
static void onBuffer(TracerState *st, guint64 ts, GstPad *pad, GstBuffer *buf)
{
	PadStats *ps = padStats(st, pad);
	BufferLook look = lookAt(buf, ps->real ? ps : nullptr);
	if (ps->real) {
		ps->buffers.fetch_add(1, std::memory_order_relaxed);
		ps->bytes.fetch_add(look.bytes, std::memory_order_relaxed);
		ps->kinds[static_cast<size_t>(look.kind)].fetch_add(1, std::memory_order_relaxed);
		if (GST_BUFFER_PTS_IS_VALID(buf))
			ps->lastPts.store(GST_BUFFER_PTS(buf), std::memory_order_relaxed);
		if (look.kind == MemKind::DmaBuf && ps->noteInode(look.identity)) {
			/* A dma-buf not seen on this link before: learn its names. */
			GstMemory *mem = gst_buffer_peek_memory(buf, 0);
			gchar *exp = dbk_memory_get_exporter(mem);
			gchar *name = dbk_memory_get_name(mem);
			std::lock_guard lock(ps->mutex);
			if (exp && *exp)
				ps->exporter = exp;
			if (name && *name && ps->names.size() < PadStats::kMaxNames &&
			    std::find(ps->names.begin(), ps->names.end(), name) == ps->names.end())
				ps->names.emplace_back(name);
			g_free(exp);
			g_free(name);
		}
		if (G_UNLIKELY(!ps->owner))
			ps->owner = elementStats(st, GST_ELEMENT(GST_OBJECT_PARENT(pad)));
		if (st->journeys.enabled())
			followJourney(st, ps, buf, look);
		const int copy = ps->owner->recordOut(look, ts);
		if (G_UNLIKELY(copy) && st->contract.active())
			st->contract.copied(GST_ELEMENT(GST_OBJECT_PARENT(pad)), pad,
					    copy == 1 ? CopyCause::DmaBufToOther
						      : CopyCause::OtherToDmaBuf,
					    {});
		st->preview.offer(ps->serial, pad, buf);
	}
	/* Like the stock stats tracer, the peer is read without its lock: the
	   stream lock is held and links do not change under a pushing pad. The
	   lookup is cached until the graph changes (links bump the generation). */
	GstPad *peer = GST_PAD_PEER(pad);
	if (!peer)
		return;
	uint64_t gen = st->graphGeneration.load(std::memory_order_relaxed);
	if (G_UNLIKELY(peer != ps->cachedPeer || gen != ps->cachedGeneration)) {
		ps->cachedPeer = peer;
		ps->cachedGeneration = gen;
		ps->cachedPeerStats =
			isRealElementPad(peer)
				? elementStats(st, GST_ELEMENT(GST_OBJECT_PARENT(peer)))
				: nullptr;
	}
	if (ps->cachedPeerStats)
		ps->cachedPeerStats->recordIn(look, ts);
}

/* The push on \a pad starts: fence waits from here on count on its link
   (the preview's too, taken in onBuffer). */
static void pushStarts(TracerState *st, GstPad *pad)
{
	PadStats *ps = padStats(st, pad);
	if (ps->real)
		fenceWaitPushStarted(st, pad, ps);
}

static void hookPushPre(GObject *self, GstClockTime ts, GstPad *pad, GstBuffer *buf)
{
	TracerState *st = tracerStateOf(self);
	pushStarts(st, pad);
	onBuffer(st, ts, pad, buf);
}

static void hookPushListPre(GObject *self, GstClockTime ts, GstPad *pad, GstBufferList *list)
{
	TracerState *st = tracerStateOf(self);
	pushStarts(st, pad);
	guint n = gst_buffer_list_length(list);
	for (guint i = 0; i < n; ++i)
		onBuffer(st, ts, pad, gst_buffer_list_get(list, i));
}

static void hookPullRangePost(GObject *self, GstClockTime ts, GstPad *pad, GstBuffer *buf,
			      GstFlowReturn res)
{
	if (res != GST_FLOW_OK || !buf)
		return;
	/* Pull mode: the buffer travels from the peer's source pad to @pad. */
	GstPad *peer = gst_pad_get_peer(pad);
	if (peer) {
		onBuffer(tracerStateOf(self), ts, peer, buf);
		gst_object_unref(peer);
	}
}

static std::string allocationJson(GstQuery *query)
{
	JsonWriter w;
	w.beginObject();
	GstCaps *caps = nullptr;
	gboolean needPool = FALSE;
	gst_query_parse_allocation(query, &caps, &needPool);
	w.field("need_pool", static_cast<bool>(needPool));
	w.key("pools").beginArray();
	for (guint i = 0; i < gst_query_get_n_allocation_pools(query); ++i) {
		GstBufferPool *pool = nullptr;
		guint size = 0, min = 0, max = 0;
		gst_query_parse_nth_allocation_pool(query, i, &pool, &size, &min, &max);
		w.beginObject();
		w.field("type", pool ? G_OBJECT_TYPE_NAME(pool) : "none");
		w.field("dmabufkit", static_cast<bool>(pool && DBK_IS_BUFFER_POOL(pool)));
		w.field("size", size).field("min", min).field("max", max);
		w.endObject();
		if (pool)
			gst_object_unref(pool);
	}
	w.endArray();
	w.key("allocators").beginArray();
	for (guint i = 0; i < gst_query_get_n_allocation_params(query); ++i) {
		GstAllocator *a = nullptr;
		gst_query_parse_nth_allocation_param(query, i, &a, nullptr);
		w.value(a ? (a->mem_type ? a->mem_type : G_OBJECT_TYPE_NAME(a)) : "default");
		if (a)
			gst_object_unref(a);
	}
	w.endArray();
	w.key("metas").beginArray();
	for (guint i = 0; i < gst_query_get_n_allocation_metas(query); ++i)
		w.value(g_type_name(gst_query_parse_nth_allocation_meta(query, i, nullptr)));
	w.endArray();
	w.field("video_meta", static_cast<bool>(gst_query_find_allocation_meta(
				      query, GST_VIDEO_META_API_TYPE, nullptr)));
	w.endObject();
	return w.take();
}

static void hookQueryPost(GObject *self, GstClockTime ts, GstPad *pad, GstQuery *query,
			  gboolean res)
{
	if (GST_QUERY_TYPE(query) != GST_QUERY_ALLOCATION || !res || !GST_PAD_IS_SRC(pad) ||
	    !isRealElementPad(pad))
		return;
	TracerState *st = tracerStateOf(self);
	PadStats *ps = padStats(st, pad);
	std::string json = allocationJson(query);
	GstBufferPool *pool = nullptr;
	if (gst_query_get_n_allocation_pools(query) > 0)
		gst_query_parse_nth_allocation_pool(query, 0, &pool, nullptr, nullptr, nullptr);
	{
		std::lock_guard lock(ps->mutex);
		ps->allocation = std::move(json);
	}
	g_weak_ref_set(&ps->pool, pool);
	if (pool)
		gst_object_unref(pool);
}

static void hookElementNew(GObject *self, GstClockTime ts, GstElement *element)
{
	TracerState *st = tracerStateOf(self);
	rememberFactoryNames(element);
	if (GST_IS_PIPELINE(element)) {
		auto ref = std::make_unique<GWeakRef>();
		g_weak_ref_init(ref.get(), element);
		std::lock_guard lock(st->pipelinesMutex);
		st->pipelines.push_back(std::move(ref));
	}
	graphChanged(st);
}

static void hookTopology(GObject *self)
{
	graphChanged(tracerStateOf(self));
}

static void hookBinAddPost(GObject *self, GstClockTime ts, GstBin *bin, GstElement *element,
			   gboolean ok)
{
	TracerState *st = tracerStateOf(self);
	graphChanged(st);
	if (!ok)
		return;
	JsonWriter w = beginEvent(st, "element-added");
	w.field("element", objectId(GST_OBJECT(element)));
	w.endObject();
	pushEvent(st, w);
}

static void hookBinRemovePre(GObject *self, GstClockTime ts, GstBin *bin, GstElement *element)
{
	TracerState *st = tracerStateOf(self);
	graphChanged(st);
	JsonWriter w = beginEvent(st, "element-removed");
	w.field("element", objectId(GST_OBJECT(element)));
	w.endObject();
	pushEvent(st, w);
}

static void hookLinkPost(GObject *self, GstClockTime ts, GstPad *src, GstPad *sink,
			 GstPadLinkReturn res)
{
	TracerState *st = tracerStateOf(self);
	graphChanged(st);
	if (res != GST_PAD_LINK_OK)
		return;
	JsonWriter w = beginEvent(st, "linked");
	w.field("src", padId(src)).field("sink", padId(sink));
	w.endObject();
	pushEvent(st, w);
}

static void hookUnlinkPost(GObject *self, GstClockTime ts, GstPad *src, GstPad *sink, gboolean res)
{
	TracerState *st = tracerStateOf(self);
	graphChanged(st);
	JsonWriter w = beginEvent(st, "unlinked");
	w.field("src", padId(src)).field("sink", padId(sink));
	w.endObject();
	pushEvent(st, w);
}

static void hookPadEvent(GObject *self, GstClockTime ts, GstPad *pad, GstEvent *event)
{
	if (GST_EVENT_TYPE(event) != GST_EVENT_CAPS)
		return;
	TracerState *st = tracerStateOf(self);
	GstCaps *caps = nullptr;
	gst_event_parse_caps(event, &caps);
	gchar *str = caps ? gst_caps_to_string(caps) : nullptr;
	PadStats *ps = padStats(st, pad);
	{
		std::lock_guard lock(ps->mutex);
		ps->lastCaps = str ? str : "";
	}
	g_free(str);
	graphChanged(st);
}

static void hookStatePost(GObject *self, GstClockTime ts, GstElement *element,
			  GstStateChange transition, GstStateChangeReturn result)
{
	TracerState *st = tracerStateOf(self);
	graphChanged(st);
	GstState from = GST_STATE_TRANSITION_CURRENT(transition);
	GstState to = GST_STATE_TRANSITION_NEXT(transition);
	JsonWriter w = beginEvent(st, "state-changed");
	w.field("element", objectId(GST_OBJECT(element)));
	w.field("from", gst_element_state_get_name(from))
		.field("to", gst_element_state_get_name(to));
	w.field("result", gst_element_state_change_return_get_name(result));
	w.endObject();
	pushEvent(st, w);
	/* A top-level pipeline stopped: the next one's PTS start over. (Not on
	   starting: a source may push before READY_TO_PAUSED returns.) */
	if (transition == GST_STATE_CHANGE_PAUSED_TO_READY && GST_IS_PIPELINE(element) &&
	    !GST_OBJECT_PARENT(element))
		st->journeys.reset();
	/* The last counts, before the pipeline is torn down. */
	if (transition == GST_STATE_CHANGE_PAUSED_TO_READY && GST_IS_PIPELINE(element) &&
	    !GST_OBJECT_PARENT(element))
		requestFlush(st);
}

static void hookPostMessage(GObject *self, GstClockTime ts, GstElement *element, GstMessage *msg)
{
	TracerState *st = tracerStateOf(self);
	switch (GST_MESSAGE_TYPE(msg)) {
	case GST_MESSAGE_QOS:
		if (GST_IS_ELEMENT(GST_MESSAGE_SRC(msg)))
			elementStats(st, GST_ELEMENT(GST_MESSAGE_SRC(msg)))->qos++;
		break;
	case GST_MESSAGE_ERROR:
	case GST_MESSAGE_WARNING: {
		GError *err = nullptr;
		gchar *dbg = nullptr;
		bool error = GST_MESSAGE_TYPE(msg) == GST_MESSAGE_ERROR;
		if (error)
			gst_message_parse_error(msg, &err, &dbg);
		else
			gst_message_parse_warning(msg, &err, &dbg);
		JsonWriter w = beginEvent(st, error ? "error" : "warning");
		w.field("element", objectId(GST_MESSAGE_SRC(msg)));
		w.field("message", err ? err->message : "");
		w.field("debug", dbg ? dbg : "");
		w.endObject();
		pushEvent(st, w);
		g_clear_error(&err);
		g_free(dbg);
		break;
	}
	default:
		break;
	}
}

void registerHooks(GstTracer *tracer)
{
	gst_tracing_register_hook(tracer, "pad-push-pre", G_CALLBACK(hookPushPre));
	gst_tracing_register_hook(tracer, "pad-push-list-pre", G_CALLBACK(hookPushListPre));
	registerFenceWaitCounting(tracer, tracerStateOf(G_OBJECT(tracer)));
	registerJourneyHooks(tracer);
	gst_tracing_register_hook(tracer, "pad-pull-range-post", G_CALLBACK(hookPullRangePost));
	gst_tracing_register_hook(tracer, "pad-query-post", G_CALLBACK(hookQueryPost));
	gst_tracing_register_hook(tracer, "pad-push-event-pre", G_CALLBACK(hookPadEvent));
	gst_tracing_register_hook(tracer, "element-new", G_CALLBACK(hookElementNew));
	gst_tracing_register_hook(tracer, "element-add-pad", G_CALLBACK(hookTopology));
	gst_tracing_register_hook(tracer, "element-remove-pad", G_CALLBACK(hookTopology));
	gst_tracing_register_hook(tracer, "bin-add-post", G_CALLBACK(hookBinAddPost));
	gst_tracing_register_hook(tracer, "bin-remove-pre", G_CALLBACK(hookBinRemovePre));
	gst_tracing_register_hook(tracer, "pad-link-post", G_CALLBACK(hookLinkPost));
	gst_tracing_register_hook(tracer, "pad-unlink-post", G_CALLBACK(hookUnlinkPost));
	gst_tracing_register_hook(tracer, "element-change-state-post", G_CALLBACK(hookStatePost));
	gst_tracing_register_hook(tracer, "element-post-message-pre", G_CALLBACK(hookPostMessage));
}

} /* namespace dmabufkit::dmabuftrace */

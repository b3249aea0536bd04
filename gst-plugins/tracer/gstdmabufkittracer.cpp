/* SPDX-License-Identifier: LGPL-2.1-or-later */
/**
 * SECTION:tracer-dmabuftrace
 * @title: dmabuftrace tracer
 *
 * Publishes what a running pipeline does with its memory: the graph, per
 * link rates and the memory kind measured from the buffers (dma-buf with
 * exporter and name, memfd, system memory), copies, per element latency,
 * pool statistics, our elements' counters and CPU time. JSON lines, 2 to 10
 * snapshots a second, over a Unix socket, TCP or into a file
 * (docs/tracer-protocol.md); dmabufkit-viewer shows them.
 *
 * Parameters (comma separated): endpoint=unix:PATH | tcp:[HOST:]PORT |
 * file:PATH (default unix:/tmp/dmabufkit-tracer-PID.sock), period-ms=100..500
 * (default 500), queue=LINES per client (default 256), performance=on|off|auto
 * (capture GST_PERFORMANCE log messages; auto: when the debug system is on),
 * preview=off|auto|ELEMENT[:PAD] (a small thumbnail of the frames on that
 * link, twice a second; auto: the video sink added last; default off).
 *
 * ## Example
 * |[
 * GST_TRACERS="dmabuftrace(endpoint=tcp:127.0.0.1:5555)" gst-launch-1.0 \
 *     videotestsrc ! dmabufupload ! videoconvert ! fakesink
 * ]|
 */
#include "gstdmabufkittracer.h"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <pthread.h>
#include <thread>
#include <unistd.h>
#include <vector>

#include <dmabufkit/dbk-allocator.h>
#include <dmabufkit/dbk-buffer-pool.h>
#include <gst/video/video.h>

#include "../elements.h"
#include "endpoint.h"
#include "flow-stats.h"
#include "json-writer.h"
#include "line-server.h"
#include "preview-target.h"
#include "preview-tap.h"
#include "snapshot-builder.h"

GST_DEBUG_CATEGORY_STATIC(dmabufkit_tracer_debug);
#define GST_CAT_DEFAULT dmabufkit_tracer_debug

using namespace dbk::tracer;

namespace {

struct Params {
	std::string endpoint;
	/* 2 snapshots a second by default: each costs the publisher a walk of the
	   graph and its properties, which weighs on slow machines (docs/benchmarks.md). */
	int periodMs = 500;
	size_t queue = 256;
	/* GST_PERFORMANCE capture: "auto" when the debug system is on anyway. */
	enum class Perf { Auto, On, Off } performance = Perf::Auto;
	/* Live preview: "" (off), "auto" or "ELEMENT[:PAD]". */
	std::string preview;
};

Params parseParams(const gchar *params)
{
	Params p;
	p.endpoint = "unix:/tmp/dmabufkit-tracer-" + std::to_string(getpid()) + ".sock";
	if (!params)
		return p;
	gchar **items = g_strsplit(params, ",", -1);
	for (gchar **i = items; *i; ++i) {
		gchar *eq = strchr(*i, '=');
		if (!eq)
			continue;
		auto trim = [](std::string v) {
			size_t b = v.find_first_not_of(" \t"), e = v.find_last_not_of(" \t");
			return b == std::string::npos ? std::string() : v.substr(b, e - b + 1);
		};
		std::string k = trim(std::string(*i, eq - *i));
		std::string v = trim(eq + 1);
		if (k == "endpoint")
			p.endpoint = v;
		else if (k == "period-ms")
			p.periodMs = std::clamp(atoi(v.c_str()), 100, 500);
		else if (k == "performance")
			p.performance = v == "on" || v == "true" ? Params::Perf::On
				      : v == "off" || v == "false" ? Params::Perf::Off
								     : Params::Perf::Auto;
		else if (k == "queue")
			p.queue = std::clamp(atoi(v.c_str()), 4, 100000);
		else if (k == "preview")
			p.preview = v == "off" || v == "false" ? std::string() : v;
		else
			g_warning("dmabuftrace: unknown parameter \"%s\" (endpoint, period-ms, queue, "
				  "performance, preview)",
				  k.c_str());
	}
	g_strfreev(items);
	return p;
}

GQuark instanceQuark(const char *what)
{
	static std::atomic<unsigned> instances{ 0 };
	static thread_local unsigned last = 0;
	if (!strcmp(what, "pad"))
		last = instances++;
	std::string name = "dmabufkit-tracer-" + std::to_string(last) + "-" + what;
	return g_quark_from_string(name.c_str());
}

struct TracerState {
	/* Per instance: several dmabuftrace tracers may run at once (one per endpoint). */
	TracerQuarks quarks{ instanceQuark("pad"), instanceQuark("element") };
	std::atomic<uint64_t> padSerial{ 0 };
	std::atomic<uint64_t> graphGeneration{ 1 };
	std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();
	Params params;
	PreviewTap preview{ start };

	std::mutex pipelinesMutex;
	std::vector<std::unique_ptr<GWeakRef>> pipelines;

	std::mutex eventsMutex;
	std::deque<std::string> events;
	static constexpr size_t kMaxEvents = 512;

	/* Publisher thread. */
	std::unique_ptr<LineServer> server;
	std::thread thread;
	std::atomic<bool> stop{ false };
	std::mutex flushMutex;
	std::condition_variable flushCond;
	uint64_t flushRequested = 0;
	uint64_t flushDone = 0;
	std::mutex graphMutex; /* lastGraph: read by the welcome callback */
	std::string lastGraph;
	std::string lastPreview; /* also under graphMutex */
	SnapshotBuilder builder{ quarks };
	uint64_t seq = 0;
	/* The watched link (publisher thread). */
	uint64_t previewSerial = 0;
	uint64_t previewGeneration = 0;
	PreviewSource previewSource;
	std::string previewError; /* the last one stated */
	PreviewImage previewImage; /* kept: its pixels' storage is reused */
	std::string previewBase64;

	double now() const
	{
		return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
	}
};

TracerState *g_logState = nullptr; /* for the debug log hook */
GstDebugCategory *g_perfCategory = nullptr;
GstDebugLevel g_perfUserLevel = GST_LEVEL_NONE;
bool g_replacedDefaultLog = false;

} /* namespace */

struct _GstDmabufkitTracer {
	GstTracer parent;
	TracerState *state;
};

G_DEFINE_TYPE(GstDmabufkitTracer, gst_dmabufkit_tracer, GST_TYPE_TRACER)

static TracerState *stateOf(GObject *self)
{
	return reinterpret_cast<GstDmabufkitTracer *>(self)->state;
}

static void padStatsFree(gpointer p)
{
	auto *ps = static_cast<PadStats *>(p);
	g_weak_ref_clear(&ps->pool);
	delete ps;
}

static PadStats *padStatsSlow(TracerState *st, GstPad *pad);

static PadStats *padStats(TracerState *st, GstPad *pad)
{
	/* A streaming thread pushes through the same few pads over and over: a
	   tiny per-thread cache spares the qdata lookup. Entries die with any
	   graph change (pads are unlinked and removed before they are freed). */
	struct Entry {
		TracerState *st;
		GstPad *pad;
		uint64_t generation;
		PadStats *ps;
	};
	static thread_local Entry cache[4];
	static thread_local unsigned next = 0;
	uint64_t gen = st->graphGeneration.load(std::memory_order_relaxed);
	for (Entry &e : cache)
		if (e.pad == pad && e.st == st && e.generation == gen)
			return e.ps;
	PadStats *ps = padStatsSlow(st, pad);
	cache[next++ & 3] = { st, pad, gen, ps };
	return ps;
}

static PadStats *padStatsSlow(TracerState *st, GstPad *pad)
{
	auto *ps = static_cast<PadStats *>(g_object_get_qdata(G_OBJECT(pad), st->quarks.pad));
	if (G_LIKELY(ps))
		return ps;
	/* Once per pad. */
	ps = new PadStats(isRealElementPad(pad), ++st->padSerial);
	g_weak_ref_init(&ps->pool, nullptr);
	if (!g_object_replace_qdata(G_OBJECT(pad), st->quarks.pad, nullptr, ps, padStatsFree, nullptr)) {
		padStatsFree(ps);
		ps = static_cast<PadStats *>(g_object_get_qdata(G_OBJECT(pad), st->quarks.pad));
	}
	return ps;
}

static void elementStatsFree(gpointer p)
{
	delete static_cast<ElementStats *>(p);
}

static ElementStats *elementStats(TracerState *st, GstElement *e)
{
	auto *es = static_cast<ElementStats *>(g_object_get_qdata(G_OBJECT(e), st->quarks.element));
	if (G_LIKELY(es))
		return es;
	es = new ElementStats;
	if (!g_object_replace_qdata(G_OBJECT(e), st->quarks.element, nullptr, es, elementStatsFree,
				    nullptr)) {
		delete es;
		es = static_cast<ElementStats *>(g_object_get_qdata(G_OBJECT(e), st->quarks.element));
	}
	return es;
}

static void pushEvent(TracerState *st, JsonWriter &w)
{
	std::lock_guard lock(st->eventsMutex);
	if (st->events.size() >= TracerState::kMaxEvents)
		st->events.pop_front();
	st->events.push_back(w.take());
}

static JsonWriter beginEvent(TracerState *st, const char *what)
{
	JsonWriter w;
	w.beginObject().field("type", "event").field("v", 1).field("t", st->now()).field("what", what);
	return w;
}

static void graphChanged(TracerState *st)
{
	st->graphGeneration.fetch_add(1, std::memory_order_relaxed);
}

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
		ps->owner->recordOut(look, ts);
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
		ps->cachedPeerStats = isRealElementPad(peer)
					      ? elementStats(st, GST_ELEMENT(GST_OBJECT_PARENT(peer)))
					      : nullptr;
	}
	if (ps->cachedPeerStats)
		ps->cachedPeerStats->recordIn(look, ts);
}

static void hookPushPre(GObject *self, GstClockTime ts, GstPad *pad, GstBuffer *buf)
{
	onBuffer(stateOf(self), ts, pad, buf);
}

static void hookPushListPre(GObject *self, GstClockTime ts, GstPad *pad, GstBufferList *list)
{
	guint n = gst_buffer_list_length(list);
	for (guint i = 0; i < n; ++i)
		onBuffer(stateOf(self), ts, pad, gst_buffer_list_get(list, i));
}

static void hookPullRangePost(GObject *self, GstClockTime ts, GstPad *pad, GstBuffer *buf,
			      GstFlowReturn res)
{
	if (res != GST_FLOW_OK || !buf)
		return;
	/* Pull mode: the buffer travels from the peer's source pad to @pad. */
	GstPad *peer = gst_pad_get_peer(pad);
	if (peer) {
		onBuffer(stateOf(self), ts, peer, buf);
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
	w.field("video_meta",
		static_cast<bool>(gst_query_find_allocation_meta(query, GST_VIDEO_META_API_TYPE, nullptr)));
	w.endObject();
	return w.take();
}

static void hookQueryPost(GObject *self, GstClockTime ts, GstPad *pad, GstQuery *query, gboolean res)
{
	if (GST_QUERY_TYPE(query) != GST_QUERY_ALLOCATION || !res || !GST_PAD_IS_SRC(pad) ||
	    !isRealElementPad(pad))
		return;
	TracerState *st = stateOf(self);
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
	TracerState *st = stateOf(self);
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
	graphChanged(stateOf(self));
}

static void hookBinAddPost(GObject *self, GstClockTime ts, GstBin *bin, GstElement *element,
			   gboolean ok)
{
	TracerState *st = stateOf(self);
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
	TracerState *st = stateOf(self);
	graphChanged(st);
	JsonWriter w = beginEvent(st, "element-removed");
	w.field("element", objectId(GST_OBJECT(element)));
	w.endObject();
	pushEvent(st, w);
}

static void hookLinkPost(GObject *self, GstClockTime ts, GstPad *src, GstPad *sink,
			 GstPadLinkReturn res)
{
	TracerState *st = stateOf(self);
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
	TracerState *st = stateOf(self);
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
	TracerState *st = stateOf(self);
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

static void requestFlush(TracerState *st)
{
	std::unique_lock lock(st->flushMutex);
	if (!st->thread.joinable())
		return;
	uint64_t want = ++st->flushRequested;
	st->server->wake();
	st->flushCond.wait_for(lock, std::chrono::seconds(2), [&] { return st->flushDone >= want; });
}

static void hookStatePost(GObject *self, GstClockTime ts, GstElement *element,
			  GstStateChange transition, GstStateChangeReturn result)
{
	TracerState *st = stateOf(self);
	graphChanged(st);
	GstState from = GST_STATE_TRANSITION_CURRENT(transition);
	GstState to = GST_STATE_TRANSITION_NEXT(transition);
	JsonWriter w = beginEvent(st, "state-changed");
	w.field("element", objectId(GST_OBJECT(element)));
	w.field("from", gst_element_state_get_name(from)).field("to", gst_element_state_get_name(to));
	w.field("result", gst_element_state_change_return_get_name(result));
	w.endObject();
	pushEvent(st, w);
	/* The last counts, before the pipeline is torn down. */
	if (transition == GST_STATE_CHANGE_PAUSED_TO_READY && GST_IS_PIPELINE(element) &&
	    !GST_OBJECT_PARENT(element))
		requestFlush(st);
}

static void hookPostMessage(GObject *self, GstClockTime ts, GstElement *element, GstMessage *msg)
{
	TracerState *st = stateOf(self);
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

/* GST_PERFORMANCE log lines name the copies stock elements make. */
static void perfLog(GstDebugCategory *cat, GstDebugLevel level, const gchar *file,
		    const gchar *function, gint line, GObject *object, GstDebugMessage *message,
		    gpointer user_data)
{
	if (cat != g_perfCategory || !g_logState)
		return;
	GstObject *o = (object && GST_IS_OBJECT(object)) ? GST_OBJECT(object) : nullptr;
	if (o && GST_IS_PAD(o))
		o = GST_OBJECT_PARENT(o);
	const gchar *text = gst_debug_message_get(message);
	if (o && GST_IS_ELEMENT(o)) {
		ElementStats *es = elementStats(g_logState, GST_ELEMENT(o));
		es->performance++;
		std::lock_guard lock(es->mutex);
		es->lastPerformance = text ? text : "";
	}
	JsonWriter w = beginEvent(g_logState, "performance");
	w.field("element", o ? objectId(o) : std::string());
	w.field("function", function ? function : "");
	w.field("message", text ? text : "");
	w.endObject();
	pushEvent(g_logState, w);
}

/* Keeps the default output as the user asked for, without our extra level. */
static void filteredDefaultLog(GstDebugCategory *cat, GstDebugLevel level, const gchar *file,
			       const gchar *function, gint line, GObject *object,
			       GstDebugMessage *message, gpointer user_data)
{
	if (cat == g_perfCategory && level > g_perfUserLevel)
		return;
	gst_debug_log_default(cat, level, file, function, line, object, message, user_data);
}

static void installPerformanceCapture(TracerState *st)
{
	/* Log functions are global: the first instance captures for itself only. */
	if (g_logState)
		return;
	g_perfCategory = _gst_debug_get_category("GST_PERFORMANCE");
	if (!g_perfCategory || st->params.performance == Params::Perf::Off)
		return;
	/* Turning the debug system on makes every GST_DEBUG statement a call:
	   only when asked, or when it is on already. */
	if (!gst_debug_is_active()) {
		if (st->params.performance != Params::Perf::On)
			return;
		gst_debug_set_active(TRUE);
	}
	g_logState = st;
	g_perfUserLevel = gst_debug_category_get_threshold(g_perfCategory);
	if (g_perfUserLevel < GST_LEVEL_DEBUG) {
		if (!g_getenv("GST_DEBUG_FILE") &&
		    gst_debug_remove_log_function(gst_debug_log_default) > 0) {
			gst_debug_add_log_function(filteredDefaultLog, nullptr, nullptr);
			g_replacedDefaultLog = true;
		}
		gst_debug_category_set_threshold(g_perfCategory, GST_LEVEL_DEBUG);
	}
	gst_debug_add_log_function(perfLog, nullptr, nullptr);
}

static void removePerformanceCapture()
{
	if (!g_logState)
		return;
	gst_debug_remove_log_function(perfLog);
	if (g_replacedDefaultLog) {
		gst_debug_remove_log_function(filteredDefaultLog);
		gst_debug_add_log_function(gst_debug_log_default, nullptr, nullptr);
		g_replacedDefaultLog = false;
	}
	if (g_perfCategory)
		gst_debug_category_set_threshold(g_perfCategory, g_perfUserLevel);
	g_logState = nullptr;
}

static std::vector<GstElement *> livePipelines(TracerState *st)
{
	std::vector<GstElement *> out;
	std::lock_guard lock(st->pipelinesMutex);
	std::erase_if(st->pipelines, [&](std::unique_ptr<GWeakRef> &ref) {
		auto *e = static_cast<GstElement *>(g_weak_ref_get(ref.get()));
		if (!e) {
			g_weak_ref_clear(ref.get());
			return true;
		}
		out.push_back(e);
		return false;
	});
	return out;
}

static std::string helloLine(TracerState *st)
{
	JsonWriter w;
	w.beginObject().field("type", "hello").field("v", 1).field("minor", 1);
	w.field("protocol", "dmabufkit-tracer");
	w.field("pid", static_cast<int64_t>(getpid()));
	gchar *ver = gst_version_string();
	w.field("gstreamer", ver);
	g_free(ver);
	const gchar *prg = g_get_prgname();
	w.field("program", prg ? prg : "");
	w.field("period_ms", st->params.periodMs);
	w.field("preview", st->params.preview.empty() ? "off" : st->params.preview.c_str());
	w.field("t", st->now());
	w.field("wall_time_us", static_cast<int64_t>(g_get_real_time()));
	w.endObject();
	return w.take();
}

static void previewUnavailable(TracerState *st, const std::string &element, const std::string &why)
{
	GST_INFO("%s", why.c_str());
	JsonWriter w = beginEvent(st, "preview-unavailable");
	w.field("element", element).field("message", why);
	w.endObject();
	pushEvent(st, w);
}

static void publishPreview(TracerState *st, const std::vector<GstElement *> &pipelines, uint64_t gen)
{
	/* Find the link to watch again when the graph changed, and until found. */
	if (gen != st->previewGeneration || !st->previewSerial) {
		st->previewGeneration = gen;
		PreviewTarget target;
		findPreviewTarget(pipelines, st->params.preview, target);
		if (target.source) {
			st->previewSerial = padStats(st, target.source)->serial;
			st->previewSource = { target.linkId, target.sinkId, target.sinkPad };
			st->previewError.clear();
		} else {
			st->previewSerial = 0;
			/* Stated once, and only once the pipeline runs: before that,
			   caps and links may still be on their way. */
			bool playing = std::any_of(pipelines.begin(), pipelines.end(),
						   [](GstElement *p) { return GST_STATE(p) == GST_STATE_PLAYING; });
			if (playing && target.error != st->previewError) {
				st->previewError = target.error;
				previewUnavailable(st, "", target.error);
			}
		}
		st->preview.watch(st->previewSerial);
	}
	PreviewImage &image = st->previewImage;
	if (st->preview.take(image) && image.linkSerial == st->previewSerial && st->previewSerial) {
		std::string line = previewLine(image, st->previewSource, ++st->seq, st->previewBase64);
		st->server->broadcast(line);
		std::lock_guard lock(st->graphMutex);
		st->lastPreview = std::move(line);
	}
	std::string notice = st->preview.takeNotice();
	if (!notice.empty())
		previewUnavailable(st, st->previewSource.sinkId, notice + " on " + st->previewSource.linkId);
}

static void publishOnce(TracerState *st, uint64_t &lastGeneration, double &lastGraphT)
{
	double t = st->now();
	auto pipelines = livePipelines(st);
	std::deque<std::string> events;
	{
		std::lock_guard lock(st->eventsMutex);
		events.swap(st->events);
	}
	if (pipelines.empty()) {
		/* Gone or not yet there: keep the last graph and counts standing. */
		for (auto &e : events)
			st->server->broadcast(e);
		return;
	}
	uint64_t gen = st->graphGeneration.load();
	/* The graph on changes, and every few seconds for late joiners of a file. */
	if (gen != lastGeneration || t - lastGraphT > 5.0) {
		std::string g = st->builder.graph(pipelines, t, ++st->seq);
		st->server->broadcast(g);
		{
			std::lock_guard lock(st->graphMutex);
			st->lastGraph = std::move(g);
		}
		lastGeneration = gen;
		lastGraphT = t;
	}
	for (auto &e : events)
		st->server->broadcast(e);
	/* Rates divide by the time the counters are read, not when the period began. */
	st->server->broadcast(st->builder.stats(pipelines, st->now(), ++st->seq, st->server->clients(),
						st->server->dropped()));
	if (!st->params.preview.empty())
		publishPreview(st, pipelines, gen);
	for (GstElement *p : pipelines)
		gst_object_unref(p);
}

static void publisherMain(TracerState *st)
{
	/* Named, so its own CPU time shows in the thread list it publishes. */
	pthread_setname_np(pthread_self(), "dmabuftrace");
	using clock = std::chrono::steady_clock;
	auto period = std::chrono::milliseconds(st->params.periodMs);
	auto next = clock::now() + period;
	uint64_t lastGeneration = 0;
	double lastGraphT = -100;
	st->server->broadcast(helloLine(st));
	while (!st->stop.load()) {
		auto now = clock::now();
		/* Rounded up: rounded down, the last millisecond before a tick
		   would spin through poll(0). */
		int wait = std::max<int64_t>(
			0, std::chrono::ceil<std::chrono::milliseconds>(next - now).count());
		st->server->serve(wait);
		uint64_t flushWanted;
		{
			std::lock_guard lock(st->flushMutex);
			flushWanted = st->flushRequested;
		}
		bool flush = flushWanted != st->flushDone;
		if (!flush && clock::now() < next)
			continue;
		publishOnce(st, lastGeneration, lastGraphT);
		next += period;
		if (next < clock::now())
			next = clock::now() + period;
		if (flush) {
			std::lock_guard lock(st->flushMutex);
			st->flushDone = flushWanted;
			st->flushCond.notify_all();
		}
		/* Let clients have the last lines before the next tick. */
		st->server->serve(0);
	}
	publishOnce(st, lastGeneration, lastGraphT);
	st->server->serve(50);
}

static void gst_dmabufkit_tracer_constructed(GObject *object)
{
	G_OBJECT_CLASS(gst_dmabufkit_tracer_parent_class)->constructed(object);
	auto *self = GST_DMABUFKIT_TRACER(object);
	TracerState *st = self->state;
	gchar *params = nullptr;
	g_object_get(object, "params", &params, nullptr);
	st->params = parseParams(params);
	g_free(params);

	auto ep = Endpoint::parse(st->params.endpoint);
	if (!ep) {
		g_warning("dmabuftrace: %s; not publishing", ep.error().message.c_str());
		return;
	}
	st->server = std::make_unique<LineServer>(st->params.queue, [st] {
		std::vector<std::string> lines{ helloLine(st) };
		std::lock_guard lock(st->graphMutex);
		if (!st->lastGraph.empty())
			lines.push_back(st->lastGraph);
		if (!st->lastPreview.empty())
			lines.push_back(st->lastPreview);
		return lines;
	});
	auto opened = st->server->open(*ep);
	if (!opened) {
		g_warning("dmabuftrace: cannot publish on %s: %s", ep->describe().c_str(),
			  opened.error().message.c_str());
		st->server.reset();
		return;
	}
	GST_INFO("publishing on %s every %d ms", ep->describe().c_str(), st->params.periodMs);

	GstTracer *tracer = GST_TRACER(object);
	gst_tracing_register_hook(tracer, "pad-push-pre", G_CALLBACK(hookPushPre));
	gst_tracing_register_hook(tracer, "pad-push-list-pre", G_CALLBACK(hookPushListPre));
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
	installPerformanceCapture(st);
	st->thread = std::thread(publisherMain, st);
}

static void gst_dmabufkit_tracer_finalize(GObject *object)
{
	auto *self = GST_DMABUFKIT_TRACER(object);
	TracerState *st = self->state;
	if (g_logState == st)
		removePerformanceCapture();
	if (st->thread.joinable()) {
		st->stop = true;
		st->server->wake();
		st->thread.join();
	}
	{
		std::lock_guard lock(st->pipelinesMutex);
		for (auto &r : st->pipelines)
			g_weak_ref_clear(r.get());
	}
	delete st;
	G_OBJECT_CLASS(gst_dmabufkit_tracer_parent_class)->finalize(object);
}

static void gst_dmabufkit_tracer_class_init(GstDmabufkitTracerClass *klass)
{
	GObjectClass *oc = G_OBJECT_CLASS(klass);
	oc->constructed = gst_dmabufkit_tracer_constructed;
	oc->finalize = gst_dmabufkit_tracer_finalize;
	GST_DEBUG_CATEGORY_INIT(dmabufkit_tracer_debug, "dmabuftrace", 0, "dmabufkit tracer (dmabuftrace)");
}

static void gst_dmabufkit_tracer_init(GstDmabufkitTracer *self)
{
	self->state = new TracerState;
}

gboolean dbk_tracer_register(GstPlugin *plugin)
{
	/* Not "dmabufkit": a feature named like its plugin hides the plugin from
	   gst-inspect-1.0 dmabufkit, which then shows the tracer alone. */
	return gst_tracer_register(plugin, "dmabuftrace", GST_TYPE_DMABUFKIT_TRACER);
}

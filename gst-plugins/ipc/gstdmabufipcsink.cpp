/* SPDX-License-Identifier: LGPL-2.1-or-later */
/**
 * SECTION:element-dmabufipcsink
 * @title: dmabufipcsink
 *
 * Shares the dma-bufs it receives with other processes (dmabufipcsrc) over a
 * Unix socket. Each dma-buf is passed once per consumer (SCM_RIGHTS) and
 * then named by an id, so consumers keep one memory per dma-buf and their
 * importers' caches hit. Caps, GstVideoMeta, timestamps and flags travel with
 * each frame; consumers give frames back when done, so the upstream pool
 * stays bounded: each consumer holds at most max-in-flight frames, and one
 * that holds that many loses frames (latest wins) instead of stalling the
 * producer or the other consumers. The socket is mode 0600 and consumers of
 * another user are refused (SO_PEERCRED) unless allowed-group lets a group in.
 * The constraints consumers state (their devices' needs) are merged into the
 * ALLOCATION query this sink answers.
 *
 * ## Example
 * |[
 * gst-launch-1.0 dmabufv4l2src ! video/x-raw,format=BGRx,width=1280,height=720 \
 *     ! dmabufipcsink socket-path=/run/user/1000/camera.sock
 * gst-launch-1.0 dmabufipcsrc socket-path=/run/user/1000/camera.sock \
 *     ! dmabufkmssink driver-name=vkms
 * ]|
 */
#include "gstdmabufipcsink.h"

#include <memory>
#include <mutex>
#include <string>

#include <dmabufkit/dmabufkit.h>
#include <gst/allocators/allocators.h>
#include <gst/video/video.h>

#include "../elements.h"
#include "ipc_constraints.h"
#include "frame_convert.h"
#include "ipc_server.h"
#include "ipc_stats.h"
#include "memory_tracker.h"

GST_DEBUG_CATEGORY_STATIC(dmabuf_ipc_sink_debug);
#define GST_CAT_DEFAULT dmabuf_ipc_sink_debug

using namespace dmabufkit;
using namespace dmabufkit::ipc;

namespace {

struct SinkState {
	std::mutex lock; /* properties and server lifetime */
	std::string path;
	guint maxInFlight = 2;
	guint maxClients = 4;
	gint allowedGroup = -1;
	std::unique_ptr<Server> server;
	std::shared_ptr<ForgetHook> forgetHook;
	std::string proposed; /* consumers' merged constraints in the last ALLOCATION answer */
	GstVideoInfo info{};
};

} /* namespace */

struct _GstDmabufIpcSink {
	GstBaseSink parent;
	SinkState *state;
};

enum {
	PROP_0,
	PROP_SOCKET_PATH,
	PROP_MAX_IN_FLIGHT,
	PROP_MAX_CLIENTS,
	PROP_ALLOWED_GROUP,
	PROP_CLIENTS,
	PROP_STATS,
};

static GstStaticPadTemplate sink_template =
	GST_STATIC_PAD_TEMPLATE("sink", GST_PAD_SINK, GST_PAD_ALWAYS,
				GST_STATIC_CAPS(GST_VIDEO_CAPS_MAKE(GST_VIDEO_FORMATS_ALL)));

G_DEFINE_TYPE(GstDmabufIpcSink, gst_dmabuf_ipc_sink, GST_TYPE_BASE_SINK)

static GstStructure *build_stats(SinkState *st)
{
	ServerStats s;
	std::vector<ClientStats> clients;
	std::string constraints;
	{
		std::lock_guard<std::mutex> g(st->lock);
		if (st->server) {
			s = st->server->stats();
			clients = st->server->clientStats();
			constraints = mergedConstraints(st->server->constraints());
		}
	}
	return sinkStatsStructure(s, clients, constraints);
}

/* A consumer needs more than upstream was told: ask upstream to allocate again. A consumer
 * leaving does not reallocate (the buffers still satisfy the others). */
static void constraints_changed(GstDmabufIpcSink *self)
{
	SinkState *st = self->state;
	std::string merged;
	{
		std::lock_guard<std::mutex> g(st->lock);
		if (!st->server)
			return;
		merged = mergedConstraints(st->server->constraints());
		if (merged.empty() || merged == st->proposed)
			return;
	}
	GST_INFO_OBJECT(self, "consumers now need %s: asking upstream to reallocate",
			merged.c_str());
	gst_pad_push_event(GST_BASE_SINK_PAD(self), gst_event_new_reconfigure());
}

static gboolean gst_dmabuf_ipc_sink_start(GstBaseSink *bsink)
{
	auto *self = GST_DMABUF_IPC_SINK(bsink);
	SinkState *st = self->state;
	std::lock_guard<std::mutex> g(st->lock);
	if (st->path.empty()) {
		GST_ELEMENT_ERROR(self, RESOURCE, SETTINGS, ("No socket-path set"),
				  ("Set socket-path to where consumers (dmabufipcsrc) connect, "
				   "e.g. $XDG_RUNTIME_DIR/camera.sock"));
		return FALSE;
	}
	ServerConfig cfg;
	cfg.path = st->path;
	cfg.maxInFlight = st->maxInFlight;
	cfg.maxClients = st->maxClients;
	if (st->allowedGroup >= 0)
		cfg.allowedGroup = gid_t(st->allowedGroup);
	cfg.onConstraintsChanged = [self] { constraints_changed(self); };
	auto server = Server::start(std::move(cfg));
	if (!server) {
		GST_ELEMENT_ERROR(self, RESOURCE, OPEN_READ_WRITE,
				  ("Cannot listen on %s", st->path.c_str()),
				  ("%s", server.error().message.c_str()));
		return FALSE;
	}
	st->server = std::move(*server);
	st->forgetHook = std::make_shared<ForgetHook>();
	st->forgetHook->server = st->server.get();
	st->proposed.clear();
	return TRUE;
}

static gboolean gst_dmabuf_ipc_sink_stop(GstBaseSink *bsink)
{
	auto *self = GST_DMABUF_IPC_SINK(bsink);
	std::unique_ptr<Server> server;
	{
		std::lock_guard<std::mutex> g(self->state->lock);
		if (auto &hook = self->state->forgetHook) {
			std::lock_guard<std::mutex> h(hook->lock);
			hook->server = nullptr;
		}
		self->state->forgetHook.reset();
		server = std::move(self->state->server);
	}
	server.reset(); /* releases every frame consumers held */
	return TRUE;
}

static gboolean gst_dmabuf_ipc_sink_set_caps(GstBaseSink *bsink, GstCaps *caps)
{
	auto *self = GST_DMABUF_IPC_SINK(bsink);
	SinkState *st = self->state;
	if (!gst_video_info_from_caps(&st->info, caps)) {
		GST_ELEMENT_ERROR(self, STREAM, FORMAT,
				  ("Caps are not raw video: %" GST_PTR_FORMAT, caps),
				  ("dmabufipcsink shares video frames only"));
		return FALSE;
	}
	gchar *s = gst_caps_to_string(caps);
	std::lock_guard<std::mutex> g(st->lock);
	if (st->server)
		st->server->setCaps(s);
	g_free(s);
	return TRUE;
}

static gboolean gst_dmabuf_ipc_sink_propose_allocation(GstBaseSink *bsink, GstQuery *query)
{
	auto *self = GST_DMABUF_IPC_SINK(bsink);
	SinkState *st = self->state;
	gst_query_add_allocation_meta(query, GST_VIDEO_META_API_TYPE, nullptr);
	std::vector<Constraints> wire;
	guint min;
	{
		std::lock_guard<std::mutex> g(st->lock);
		if (st->server)
			wire = st->server->constraints();
		st->proposed = mergedConstraints(wire);
		/* Every consumer may hold max-in-flight frames, plus the latest one kept for
		 * consumers that are owed it, plus one being filled. */
		min = st->maxClients * st->maxInFlight + 2;
	}
	addToQuery(query, wire);
	GstCaps *caps = nullptr;
	gst_query_parse_allocation(query, &caps, nullptr);
	GstVideoInfo info;
	guint size = caps && gst_video_info_from_caps(&info, caps) ? info.size : 0;
	gst_query_add_allocation_pool(query, nullptr, size, min, 0);
	GST_DEBUG_OBJECT(self, "proposed %u buffers, %zu consumers' constraints", min, wire.size());
	return TRUE;
}

static GstFlowReturn gst_dmabuf_ipc_sink_render(GstBaseSink *bsink, GstBuffer *buf)
{
	auto *self = GST_DMABUF_IPC_SINK(bsink);
	SinkState *st = self->state;
	GstClockTime rt =
		gst_segment_to_running_time(&bsink->segment, GST_FORMAT_TIME, GST_BUFFER_PTS(buf));
	if (GST_CLOCK_TIME_IS_VALID(rt))
		rt += gst_element_get_base_time(GST_ELEMENT(self));
	std::string whyNot;
	auto f = frameFromBuffer(buf, rt, &whyNot);
	if (!f) {
		GST_ELEMENT_ERROR(self, STREAM, FORMAT,
				  ("Cannot share this buffer between processes"),
				  ("%s", whyNot.c_str()));
		return GST_FLOW_ERROR;
	}
	std::lock_guard<std::mutex> g(st->lock);
	for (guint i = 0; i < f->memories.size() && st->forgetHook; ++i)
		f->memories[i].inode = trackMemory(gst_buffer_peek_memory(buf, i), st->forgetHook);
	if (st->server)
		st->server->publish(std::move(*f));
	return GST_FLOW_OK;
}

static gboolean gst_dmabuf_ipc_sink_event(GstBaseSink *bsink, GstEvent *event)
{
	auto *self = GST_DMABUF_IPC_SINK(bsink);
	SinkState *st = self->state;
	{
		std::lock_guard<std::mutex> g(st->lock);
		if (st->server && GST_EVENT_TYPE(event) == GST_EVENT_EOS)
			st->server->sendEos();
		if (st->server && GST_EVENT_TYPE(event) == GST_EVENT_FLUSH_STOP)
			st->server->flush();
	}
	return GST_BASE_SINK_CLASS(gst_dmabuf_ipc_sink_parent_class)->event(bsink, event);
}

static void gst_dmabuf_ipc_sink_set_property(GObject *object, guint id, const GValue *value,
					     GParamSpec *pspec)
{
	SinkState *st = GST_DMABUF_IPC_SINK(object)->state;
	std::lock_guard<std::mutex> g(st->lock);
	switch (id) {
	case PROP_SOCKET_PATH:
		st->path = g_value_get_string(value) ? g_value_get_string(value) : "";
		break;
	case PROP_MAX_IN_FLIGHT:
		st->maxInFlight = g_value_get_uint(value);
		break;
	case PROP_MAX_CLIENTS:
		st->maxClients = g_value_get_uint(value);
		break;
	case PROP_ALLOWED_GROUP:
		st->allowedGroup = g_value_get_int(value);
		break;
	default:
		G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
	}
}

static void gst_dmabuf_ipc_sink_get_property(GObject *object, guint id, GValue *value,
					     GParamSpec *pspec)
{
	SinkState *st = GST_DMABUF_IPC_SINK(object)->state;
	if (id == PROP_STATS) {
		g_value_take_boxed(value, build_stats(st));
		return;
	}
	std::lock_guard<std::mutex> g(st->lock);
	switch (id) {
	case PROP_SOCKET_PATH:
		g_value_set_string(value, st->path.c_str());
		break;
	case PROP_MAX_IN_FLIGHT:
		g_value_set_uint(value, st->maxInFlight);
		break;
	case PROP_MAX_CLIENTS:
		g_value_set_uint(value, st->maxClients);
		break;
	case PROP_ALLOWED_GROUP:
		g_value_set_int(value, st->allowedGroup);
		break;
	case PROP_CLIENTS:
		g_value_set_uint(value, st->server ? guint(st->server->stats().clients) : 0);
		break;
	default:
		G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
	}
}

static void gst_dmabuf_ipc_sink_finalize(GObject *object)
{
	delete GST_DMABUF_IPC_SINK(object)->state;
	G_OBJECT_CLASS(gst_dmabuf_ipc_sink_parent_class)->finalize(object);
}

static void gst_dmabuf_ipc_sink_class_init(GstDmabufIpcSinkClass *klass)
{
	auto *gobject = G_OBJECT_CLASS(klass);
	auto *element = GST_ELEMENT_CLASS(klass);
	auto *bsink = GST_BASE_SINK_CLASS(klass);
	gobject->set_property = gst_dmabuf_ipc_sink_set_property;
	gobject->get_property = gst_dmabuf_ipc_sink_get_property;
	gobject->finalize = gst_dmabuf_ipc_sink_finalize;
	const auto rw =
		GParamFlags(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY);
	const auto ro = GParamFlags(G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
	g_object_class_install_property(
		gobject, PROP_SOCKET_PATH,
		g_param_spec_string("socket-path", "Socket path",
				    "Unix socket consumers (dmabufipcsrc) connect to; created mode "
				    "0600 (0660 with allowed-group), a stale one is replaced",
				    nullptr, rw));
	g_object_class_install_property(
		gobject, PROP_MAX_IN_FLIGHT,
		g_param_spec_uint("max-in-flight", "Frames in flight per consumer",
				  "Frames one consumer may hold; beyond that it loses frames "
				  "(latest wins) and never stalls the producer",
				  1, 16, 2, rw));
	g_object_class_install_property(
		gobject, PROP_MAX_CLIENTS,
		g_param_spec_uint("max-clients", "Maximum consumers",
				  "Consumers served at once (more are refused); with max-in-flight "
				  "it sets the buffers asked of upstream",
				  1, 64, 4, rw));
	g_object_class_install_property(
		gobject, PROP_ALLOWED_GROUP,
		g_param_spec_int("allowed-group", "Allowed group",
				 "Also let consumers of this group id in (socket mode 0660); -1: "
				 "this user only",
				 -1, G_MAXINT, -1, rw));
	g_object_class_install_property(gobject, PROP_CLIENTS,
					g_param_spec_uint("clients", "Consumers",
							  "Consumers connected now", 0, G_MAXUINT,
							  0, ro));
	g_object_class_install_property(
		gobject, PROP_STATS,
		g_param_spec_boxed(
			"stats", "Statistics",
			"clients, rejected, protocol-errors, published, sent, dropped "
			"(latest-wins losses), released, buffers-sent (fds passed), "
			"held, max-held, consumer-constraints (merged), and per consumer "
			"sent/dropped/in-flight",
			GST_TYPE_STRUCTURE, ro));
	gst_element_class_set_static_metadata(
		element, "dma-buf IPC sink", "Sink/Video",
		"Shares dma-bufs with other processes over a Unix socket, without copying",
		"dmabufkit");
	gst_element_class_add_static_pad_template(element, &sink_template);
	bsink->start = gst_dmabuf_ipc_sink_start;
	bsink->stop = gst_dmabuf_ipc_sink_stop;
	bsink->set_caps = gst_dmabuf_ipc_sink_set_caps;
	bsink->propose_allocation = gst_dmabuf_ipc_sink_propose_allocation;
	bsink->render = gst_dmabuf_ipc_sink_render;
	bsink->event = gst_dmabuf_ipc_sink_event;
	GST_DEBUG_CATEGORY_INIT(dmabuf_ipc_sink_debug, "dmabufipcsink", 0, "dma-buf IPC sink");
}

static void gst_dmabuf_ipc_sink_init(GstDmabufIpcSink *self)
{
	self->state = new SinkState();
	/* A producer shares frames as they come and keeps no extra one for itself. */
	gst_base_sink_set_sync(GST_BASE_SINK(self), FALSE);
	gst_base_sink_set_last_sample_enabled(GST_BASE_SINK(self), FALSE);
	gst_base_sink_set_async_enabled(GST_BASE_SINK(self), FALSE);
}

gboolean dbk_ipc_sink_register(GstPlugin *plugin)
{
	return gst_element_register(plugin, "dmabufipcsink", GST_RANK_NONE,
				    GST_TYPE_DMABUF_IPC_SINK);
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/**
 * SECTION:element-dmabufipcsrc
 * @title: dmabufipcsrc
 *
 * Receives the dma-bufs a dmabufipcsink in another process shares over its
 * Unix socket, without copying. Each dma-buf arrives once and is wrapped in
 * one GstMemory kept for as long as the producer uses it, so downstream
 * importers (the KMS framebuffer cache, the V4L2 index cache) see the same
 * memory every time it comes back. A frame is given back to the producer
 * when its buffer is freed. The constraints downstream states in the
 * ALLOCATION query are sent to the producer. If the producer dies or stops,
 * an error says so at once (or, with wait-for-producer, the source waits for
 * it to come back). Timestamps are mapped from the producer's clock time to
 * this pipeline's running time (both pipelines use the system clock).
 *
 * ## Example
 * |[
 * gst-launch-1.0 dmabufipcsrc socket-path=/run/user/1000/camera.sock ! dmabufkmssink
 * ]|
 */
#include "gstdmabufipcsrc.h"

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include <dmabufkit/dmabufkit.h>
#include <gst/allocators/allocators.h>
#include <gst/video/video.h>

#include "../elements.h"
#include "ipc_client.h"
#include "frame_convert.h"
#include "ipc_constraints.h"

GST_DEBUG_CATEGORY_STATIC(dmabuf_ipc_src_debug);
#define GST_CAT_DEFAULT dmabuf_ipc_src_debug

using namespace dmabufkit;
using namespace dmabufkit::ipc;

namespace {

struct SrcState {
	std::mutex lock; /* properties, client pointer */
	std::string path;
	bool waitForProducer = false;
	guint connectTimeoutMs = 2000;
	std::shared_ptr<Client> client;
	std::atomic<bool> flushing{ false };
	/* Streaming thread only. */
	GstAllocator *allocator = nullptr;
	std::map<uint32_t, GstMemory *> memories; /* one per registered dma-buf */
	GstCaps *caps = nullptr;
	bool capsChanged = false;
	std::atomic<guint64> frames{ 0 }, imports{ 0 }, lost{ 0 };
	guint64 lastSeq = 0;
};

} /* namespace */

struct _GstDmabufIpcSrc {
	GstPushSrc parent;
	SrcState *state;
};

enum {
	PROP_0,
	PROP_SOCKET_PATH,
	PROP_WAIT_FOR_PRODUCER,
	PROP_CONNECT_TIMEOUT,
	PROP_STATS,
};

static GstStaticPadTemplate src_template =
	GST_STATIC_PAD_TEMPLATE("src", GST_PAD_SRC, GST_PAD_ALWAYS,
				GST_STATIC_CAPS(GST_VIDEO_CAPS_MAKE(GST_VIDEO_FORMATS_ALL)));

G_DEFINE_TYPE(GstDmabufIpcSrc, gst_dmabuf_ipc_src, GST_TYPE_PUSH_SRC)

static void clear_memories(SrcState *st)
{
	for (auto &[id, m] : st->memories)
		gst_memory_unref(m);
	st->memories.clear();
}

static bool connect_client(GstDmabufIpcSrc *self)
{
	SrcState *st = self->state;
	std::string path;
	{
		std::lock_guard<std::mutex> g(st->lock);
		path = st->path;
	}
	gchar *name = gst_object_get_path_string(GST_OBJECT(self));
	std::string consumer = std::string(g_get_prgname() ? g_get_prgname() : "?") + ":" + name;
	g_free(name);
	for (;;) {
		auto c = Client::connect(path, consumer, st->connectTimeoutMs);
		if (c) {
			std::lock_guard<std::mutex> g(st->lock);
			st->client = *c;
			return true;
		}
		if (!st->waitForProducer || st->flushing) {
			GST_ELEMENT_ERROR(self, RESOURCE, OPEN_READ,
					  ("No producer at %s", path.c_str()),
					  ("%s. Start the producer (dmabufipcsink socket-path=%s) "
					   "first, or set wait-for-producer=true",
					   c.error().message.c_str(), path.c_str()));
			return false;
		}
		GST_DEBUG_OBJECT(self, "waiting for a producer at %s: %s", path.c_str(),
				 c.error().message.c_str());
		g_usleep(100 * 1000);
	}
}

static gboolean gst_dmabuf_ipc_src_start(GstBaseSrc *bsrc)
{
	auto *self = GST_DMABUF_IPC_SRC(bsrc);
	SrcState *st = self->state;
	if (st->path.empty()) {
		GST_ELEMENT_ERROR(self, RESOURCE, SETTINGS, ("No socket-path set"),
				  ("Set socket-path to the producer's (dmabufipcsink) socket"));
		return FALSE;
	}
	st->flushing = false;
	st->allocator = GST_ALLOCATOR(dbk_allocator_new());
	st->lastSeq = 0;
	return connect_client(self);
}

static gboolean gst_dmabuf_ipc_src_stop(GstBaseSrc *bsrc)
{
	SrcState *st = GST_DMABUF_IPC_SRC(bsrc)->state;
	{
		std::lock_guard<std::mutex> g(st->lock);
		st->client.reset();
	}
	clear_memories(st);
	gst_clear_caps(&st->caps);
	if (st->allocator)
		gst_object_unref(std::exchange(st->allocator, nullptr));
	return TRUE;
}

static gboolean gst_dmabuf_ipc_src_unlock(GstBaseSrc *bsrc)
{
	SrcState *st = GST_DMABUF_IPC_SRC(bsrc)->state;
	st->flushing = true;
	std::lock_guard<std::mutex> g(st->lock);
	if (st->client)
		st->client->cancel();
	return TRUE;
}

static gboolean gst_dmabuf_ipc_src_unlock_stop(GstBaseSrc *bsrc)
{
	SrcState *st = GST_DMABUF_IPC_SRC(bsrc)->state;
	st->flushing = false;
	std::lock_guard<std::mutex> g(st->lock);
	if (st->client)
		st->client->clearCancel();
	return TRUE;
}

/* Caps come from the producer: negotiation waits for them (see create). */
static gboolean gst_dmabuf_ipc_src_negotiate(GstBaseSrc *bsrc)
{
	SrcState *st = GST_DMABUF_IPC_SRC(bsrc)->state;
	if (!st->caps)
		return TRUE;
	return gst_base_src_set_caps(bsrc, st->caps);
}

static gboolean gst_dmabuf_ipc_src_decide_allocation(GstBaseSrc *bsrc, GstQuery *query)
{
	auto *self = GST_DMABUF_IPC_SRC(bsrc);
	SrcState *st = self->state;
	/* Buffers come from the producer: no pool here. */
	while (gst_query_get_n_allocation_pools(query) > 0)
		gst_query_remove_nth_allocation_pool(query, 0);
	DbkConstraints merged;
	guint n = 0;
	GError *err = nullptr;
	if (!dbk_query_get_constraints(query, &merged, &n, &err)) {
		GST_WARNING_OBJECT(self, "downstream's constraints conflict: %s", err->message);
		g_clear_error(&err);
		return TRUE;
	}
	if (n == 0)
		return TRUE;
	std::shared_ptr<Client> client;
	{
		std::lock_guard<std::mutex> g(st->lock);
		client = st->client;
	}
	if (client) {
		gchar *s = dbk_constraints_to_string(&merged);
		GST_INFO_OBJECT(self, "sending downstream's constraints to the producer: %s", s);
		g_free(s);
		if (auto r = client->sendConstraints(toWire(merged)); !r)
			GST_WARNING_OBJECT(self, "cannot send constraints: %s",
					   r.error().message.c_str());
	}
	return TRUE;
}

static GstFlowReturn protocol_failure(GstDmabufIpcSrc *self, const Error &e)
{
	if (e.code == ECONNRESET)
		GST_ELEMENT_ERROR(self, RESOURCE, READ, ("The producer went away"),
				  ("%s", e.message.c_str()));
	else
		GST_ELEMENT_ERROR(self, STREAM, DECODE, ("The producer sent a bad message"),
				  ("%s", e.message.c_str()));
	return GST_FLOW_ERROR;
}

static GstFlowReturn gst_dmabuf_ipc_src_create(GstPushSrc *psrc, GstBuffer **out)
{
	auto *self = GST_DMABUF_IPC_SRC(psrc);
	SrcState *st = self->state;
	for (;;) {
		std::shared_ptr<Client> client;
		{
			std::lock_guard<std::mutex> g(st->lock);
			client = st->client;
		}
		if (!client)
			return GST_FLOW_FLUSHING;
		auto ev = client->next(-1);
		if (!ev) {
			if (ev.error().code == ECONNRESET && st->waitForProducer && !st->flushing) {
				GST_WARNING_OBJECT(self, "%s; waiting for it to return",
						   ev.error().message.c_str());
				clear_memories(st);
				gst_clear_caps(&st->caps);
				if (!connect_client(self))
					return GST_FLOW_ERROR;
				continue;
			}
			return protocol_failure(self, ev.error());
		}
		if (std::holds_alternative<Cancelled>(*ev) || std::holds_alternative<TimedOut>(*ev))
			return GST_FLOW_FLUSHING;
		if (std::holds_alternative<EndOfStream>(*ev))
			return GST_FLOW_EOS;
		if (auto *c = std::get_if<CapsChanged>(&*ev)) {
			GstCaps *caps = gst_caps_from_string(c->caps.c_str());
			if (!caps || !gst_caps_is_fixed(caps)) {
				if (caps)
					gst_caps_unref(caps);
				return protocol_failure(
					self,
					Error{ EPROTO, "caps \"" + c->caps + "\" are not fixed" });
			}
			clear_memories(st);
			gst_caps_replace(&st->caps, caps);
			gst_caps_unref(caps);
			if (!gst_base_src_negotiate(GST_BASE_SRC(self)))
				return GST_FLOW_NOT_NEGOTIATED;
			continue;
		}
		if (auto *a = std::get_if<BufferAdded>(&*ev)) {
			GError *err = nullptr;
			GstMemory *m = dbk_allocator_import(DBK_ALLOCATOR(st->allocator),
							    a->fd.release(), TRUE, &err);
			if (!m) {
				Error e{ EPROTO,
					 std::string("buffer ") + std::to_string(a->id) +
						 " is not a usable dma-buf: " + err->message };
				g_clear_error(&err);
				return protocol_failure(self, e);
			}
			if (auto it = st->memories.find(a->id); it != st->memories.end())
				gst_memory_unref(it->second);
			st->memories[a->id] = m;
			++st->imports;
			continue;
		}
		if (auto *r = std::get_if<BufferRemoved>(&*ev)) {
			if (auto it = st->memories.find(r->id); it != st->memories.end()) {
				gst_memory_unref(it->second);
				st->memories.erase(it);
			}
			continue;
		}
		if (auto *f = std::get_if<FrameReady>(&*ev)) {
			if (!st->caps)
				return protocol_failure(
					self, Error{ EPROTO, "a frame came before caps" });
			std::string whyNot;
			const guint64 seq = f->frame.seq;
			*out = bufferFromFrame(
				f->frame, st->memories,
				gst_element_get_base_time(GST_ELEMENT(self)),
				[client, seq] { client->release(seq); }, &whyNot);
			if (!*out)
				return protocol_failure(self, Error{ EPROTO, whyNot });
			if (st->lastSeq && seq > st->lastSeq + 1)
				st->lost += seq - st->lastSeq - 1;
			st->lastSeq = seq;
			++st->frames;
			return GST_FLOW_OK;
		}
	}
}

static gboolean gst_dmabuf_ipc_src_query(GstBaseSrc *bsrc, GstQuery *query)
{
	if (GST_QUERY_TYPE(query) == GST_QUERY_LATENCY) {
		/* A frame may wait in the producer up to one frame period. */
		SrcState *st = GST_DMABUF_IPC_SRC(bsrc)->state;
		GstClockTime lat = 0;
		GstVideoInfo info;
		if (st->caps && gst_video_info_from_caps(&info, st->caps) && info.fps_n > 0)
			lat = gst_util_uint64_scale_int(GST_SECOND, info.fps_d, info.fps_n);
		gst_query_set_latency(query, TRUE, lat, GST_CLOCK_TIME_NONE);
		return TRUE;
	}
	return GST_BASE_SRC_CLASS(gst_dmabuf_ipc_src_parent_class)->query(bsrc, query);
}

static void gst_dmabuf_ipc_src_set_property(GObject *object, guint id, const GValue *value,
					    GParamSpec *pspec)
{
	SrcState *st = GST_DMABUF_IPC_SRC(object)->state;
	std::lock_guard<std::mutex> g(st->lock);
	switch (id) {
	case PROP_SOCKET_PATH:
		st->path = g_value_get_string(value) ? g_value_get_string(value) : "";
		break;
	case PROP_WAIT_FOR_PRODUCER:
		st->waitForProducer = g_value_get_boolean(value);
		break;
	case PROP_CONNECT_TIMEOUT:
		st->connectTimeoutMs = g_value_get_uint(value);
		break;
	default:
		G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
	}
}

static void gst_dmabuf_ipc_src_get_property(GObject *object, guint id, GValue *value,
					    GParamSpec *pspec)
{
	SrcState *st = GST_DMABUF_IPC_SRC(object)->state;
	std::lock_guard<std::mutex> g(st->lock);
	switch (id) {
	case PROP_SOCKET_PATH:
		g_value_set_string(value, st->path.c_str());
		break;
	case PROP_WAIT_FOR_PRODUCER:
		g_value_set_boolean(value, st->waitForProducer);
		break;
	case PROP_CONNECT_TIMEOUT:
		g_value_set_uint(value, st->connectTimeoutMs);
		break;
	case PROP_STATS:
		g_value_take_boxed(value,
				   gst_structure_new("dmabufipcsrc-stats", "frames", G_TYPE_UINT64,
						     guint64(st->frames), "imports", G_TYPE_UINT64,
						     guint64(st->imports), "lost", G_TYPE_UINT64,
						     guint64(st->lost), nullptr));
		break;
	default:
		G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
	}
}

static void gst_dmabuf_ipc_src_finalize(GObject *object)
{
	delete GST_DMABUF_IPC_SRC(object)->state;
	G_OBJECT_CLASS(gst_dmabuf_ipc_src_parent_class)->finalize(object);
}

static void gst_dmabuf_ipc_src_class_init(GstDmabufIpcSrcClass *klass)
{
	auto *gobject = G_OBJECT_CLASS(klass);
	auto *element = GST_ELEMENT_CLASS(klass);
	auto *bsrc = GST_BASE_SRC_CLASS(klass);
	gobject->set_property = gst_dmabuf_ipc_src_set_property;
	gobject->get_property = gst_dmabuf_ipc_src_get_property;
	gobject->finalize = gst_dmabuf_ipc_src_finalize;
	const auto rw =
		GParamFlags(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY);
	g_object_class_install_property(
		gobject, PROP_SOCKET_PATH,
		g_param_spec_string("socket-path", "Socket path",
				    "Unix socket of the producer (dmabufipcsink socket-path)",
				    nullptr, rw));
	g_object_class_install_property(
		gobject, PROP_WAIT_FOR_PRODUCER,
		g_param_spec_boolean("wait-for-producer", "Wait for the producer",
				     "When the producer is absent or goes away, wait for it "
				     "instead of posting an error",
				     FALSE, rw));
	g_object_class_install_property(
		gobject, PROP_CONNECT_TIMEOUT,
		g_param_spec_uint("connect-timeout", "Connect timeout",
				  "How long (ms) to wait for the producer's hello", 1, 60000, 2000,
				  rw));
	g_object_class_install_property(
		gobject, PROP_STATS,
		g_param_spec_boxed("stats", "Statistics",
				   "frames received, imports (dma-bufs wrapped, once each), lost "
				   "(frames the producer dropped for this consumer)",
				   GST_TYPE_STRUCTURE,
				   GParamFlags(G_PARAM_READABLE | G_PARAM_STATIC_STRINGS)));
	gst_element_class_set_static_metadata(
		element, "dma-buf IPC source", "Source/Video",
		"Receives dma-bufs shared by dmabufipcsink in another process, without copying",
		"dmabufkit");
	gst_element_class_add_static_pad_template(element, &src_template);
	bsrc->start = gst_dmabuf_ipc_src_start;
	bsrc->stop = gst_dmabuf_ipc_src_stop;
	bsrc->unlock = gst_dmabuf_ipc_src_unlock;
	bsrc->unlock_stop = gst_dmabuf_ipc_src_unlock_stop;
	bsrc->negotiate = gst_dmabuf_ipc_src_negotiate;
	bsrc->decide_allocation = gst_dmabuf_ipc_src_decide_allocation;
	bsrc->query = gst_dmabuf_ipc_src_query;
	GST_PUSH_SRC_CLASS(klass)->create = gst_dmabuf_ipc_src_create;
	GST_DEBUG_CATEGORY_INIT(dmabuf_ipc_src_debug, "dmabufipcsrc", 0, "dma-buf IPC source");
}

static void gst_dmabuf_ipc_src_init(GstDmabufIpcSrc *self)
{
	self->state = new SrcState();
	gst_base_src_set_live(GST_BASE_SRC(self), TRUE);
	gst_base_src_set_format(GST_BASE_SRC(self), GST_FORMAT_TIME);
}

gboolean dbk_ipc_src_register(GstPlugin *plugin)
{
	return gst_element_register(plugin, "dmabufipcsrc", GST_RANK_NONE, GST_TYPE_DMABUF_IPC_SRC);
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "publisher.h"

#include <algorithm>
#include <chrono>
#include <deque>
#include <pthread.h>
#include <unistd.h>

#include "dmabufkit/base/log.h"
#include "endpoint.h"
#include "preview_target.h"
#include "tracer_state.h"

namespace dmabufkit::dmabuftrace {

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
	w.beginObject().field("type", "hello").field("v", 1).field("minor", 2);
	w.field("protocol", "dmabufkit-tracer");
	w.field("pid", static_cast<int64_t>(getpid()));
	gchar *ver = gst_version_string();
	w.field("gstreamer", ver);
	g_free(ver);
	const gchar *prg = g_get_prgname();
	w.field("program", prg ? prg : "");
	w.field("period_ms", st->params.periodMs);
	w.field("preview", st->params.preview.empty() ? "off" : st->params.preview.c_str());
	w.field("journeys", static_cast<uint64_t>(st->params.journeys));
	w.field("t", st->now());
	w.field("wall_time_us", static_cast<int64_t>(g_get_real_time()));
	w.endObject();
	return w.take();
}

static void previewUnavailable(TracerState *st, const std::string &element, const std::string &why)
{
	DBK_LOG(Tracer, Info, "%s", why.c_str());
	JsonWriter w = beginEvent(st, "preview-unavailable");
	w.field("element", element).field("message", why);
	w.endObject();
	pushEvent(st, w);
}

static void publishPreview(TracerState *st, const std::vector<GstElement *> &pipelines,
			   uint64_t gen)
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
			bool playing =
				std::any_of(pipelines.begin(), pipelines.end(), [](GstElement *p) {
					return GST_STATE(p) == GST_STATE_PLAYING;
				});
			if (playing && target.error != st->previewError) {
				st->previewError = target.error;
				previewUnavailable(st, "", target.error);
			}
		}
		st->preview.watch(st->previewSerial);
	}
	PreviewImage &image = st->previewImage;
	if (st->preview.take(image) && image.linkSerial == st->previewSerial && st->previewSerial) {
		std::string line =
			previewLine(image, st->previewSource, ++st->seq, st->previewBase64);
		st->server->broadcast(line);
		std::lock_guard lock(st->graphMutex);
		st->lastPreview = std::move(line);
	}
	std::string notice = st->preview.takeNotice();
	if (!notice.empty())
		previewUnavailable(st, st->previewSource.sinkId,
				   notice + " on " + st->previewSource.linkId);
}

/* The sampled frames' hops since the last period (after stats: link ids are fresh). */
static void publishJourneys(TracerState *st)
{
	uint64_t lost = 0;
	std::vector<JourneyHop> hops = st->journeys.drain(&lost);
	if (hops.empty())
		return;
	st->server->broadcast(journeysLine(
		hops, st->journeys, [st](uint64_t serial) { return st->builder.linkId(serial); },
		st->gstStart, st->now(), ++st->seq, lost));
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
	st->server->broadcast(st->builder.stats(pipelines, st->now(), ++st->seq,
						st->server->clients(), st->server->dropped()));
	if (st->journeys.enabled())
		publishJourneys(st);
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

bool openPublisher(TracerState *st)
{
	auto ep = Endpoint::parse(st->params.endpoint);
	if (!ep) {
		g_warning("dmabuftrace: %s; not publishing", ep.error().message.c_str());
		return false;
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
		return false;
	}
	DBK_LOG(Tracer, Info, "publishing on %s every %d ms", ep->describe().c_str(),
		st->params.periodMs);
	return true;
}

void startPublisher(TracerState *st)
{
	st->thread = std::thread(publisherMain, st);
}

void stopPublisher(TracerState *st)
{
	if (!st->thread.joinable())
		return;
	st->stop = true;
	st->server->wake();
	st->thread.join();
}

void requestFlush(TracerState *st)
{
	std::unique_lock lock(st->flushMutex);
	if (!st->thread.joinable())
		return;
	uint64_t want = ++st->flushRequested;
	st->server->wake();
	st->flushCond.wait_for(lock, std::chrono::seconds(2),
			       [&] { return st->flushDone >= want; });
}

} /* namespace dmabufkit::dmabuftrace */

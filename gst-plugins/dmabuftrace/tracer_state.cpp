/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "tracer_state.h"

#include <algorithm>
#include <cstring>

#include "graph_walk.h"

namespace dmabufkit::dmabuftrace {

GQuark instanceQuark(const char *what)
{
	static std::atomic<unsigned> instances{ 0 };
	static thread_local unsigned last = 0;
	if (!strcmp(what, "pad"))
		last = instances++;
	std::string name = "dmabufkit-tracer-" + std::to_string(last) + "-" + what;
	return g_quark_from_string(name.c_str());
}

TracerState::~TracerState()
{
	std::lock_guard lock(pipelinesMutex);
	for (auto &r : pipelines)
		g_weak_ref_clear(r.get());
}

static void padStatsFree(gpointer p)
{
	auto *ps = static_cast<PadStats *>(p);
	g_weak_ref_clear(&ps->pool);
	delete ps;
}

static PadStats *padStatsSlow(TracerState *st, GstPad *pad);

PadStats *padStats(TracerState *st, GstPad *pad)
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
	if (!g_object_replace_qdata(G_OBJECT(pad), st->quarks.pad, nullptr, ps, padStatsFree,
				    nullptr)) {
		padStatsFree(ps);
		ps = static_cast<PadStats *>(g_object_get_qdata(G_OBJECT(pad), st->quarks.pad));
	}
	return ps;
}

static void elementStatsFree(gpointer p)
{
	delete static_cast<ElementStats *>(p);
}

ElementStats *elementStats(TracerState *st, GstElement *e)
{
	auto *es = static_cast<ElementStats *>(g_object_get_qdata(G_OBJECT(e), st->quarks.element));
	if (G_LIKELY(es))
		return es;
	es = new ElementStats;
	if (!g_object_replace_qdata(G_OBJECT(e), st->quarks.element, nullptr, es, elementStatsFree,
				    nullptr)) {
		delete es;
		es = static_cast<ElementStats *>(
			g_object_get_qdata(G_OBJECT(e), st->quarks.element));
	}
	return es;
}

void pushEvent(TracerState *st, JsonWriter &w)
{
	std::lock_guard lock(st->eventsMutex);
	if (st->events.size() >= TracerState::kMaxEvents)
		st->events.pop_front();
	st->events.push_back(w.take());
}

JsonWriter beginEvent(TracerState *st, const char *what)
{
	JsonWriter w;
	w.beginObject()
		.field("type", "event")
		.field("v", 1)
		.field("t", st->now())
		.field("what", what);
	return w;
}

void graphChanged(TracerState *st)
{
	st->graphGeneration.fetch_add(1, std::memory_order_relaxed);
}

} /* namespace dmabufkit::dmabuftrace */

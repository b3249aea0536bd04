/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* SnapshotBuilder's "stats" line: per element and per link counters and rates. */
#include "snapshot_builder.h"

#include <algorithm>
#include <cstring>

#include <dmabufkit/dbk_buffer_pool.h>

#include "flow_stats.h"
#include "graph_walk.h"
#include "gst_value_json.h"

namespace dmabufkit::dmabuftrace {

void SnapshotBuilder::writeCounters(JsonWriter &w, GstElement *e)
{
	GType type = G_OBJECT_TYPE(e);
	auto it = counterProps_.find(type);
	if (it == counterProps_.end()) {
		std::vector<GParamSpec *> props;
		guint n = 0;
		GParamSpec **specs = g_object_class_list_properties(G_OBJECT_GET_CLASS(e), &n);
		for (guint i = 0; i < n; ++i) {
			GParamSpec *ps = specs[i];
			bool readOnly =
				(ps->flags & G_PARAM_READABLE) && !(ps->flags & G_PARAM_WRITABLE);
			if (!readOnly)
				continue;
			if (ps->value_type == G_TYPE_UINT64 ||
			    (ps->value_type == GST_TYPE_STRUCTURE && strstr(ps->name, "stats")))
				props.push_back(ps); /* class-owned, lives as long as the type */
		}
		g_free(specs);
		it = counterProps_.emplace(type, std::move(props)).first;
	}
	bool anyCounter = false, anyStats = false;
	for (GParamSpec *ps : it->second) {
		if (ps->value_type == G_TYPE_UINT64) {
			guint64 v = 0;
			g_object_get(e, ps->name, &v, nullptr);
			if (!anyCounter)
				w.key("counters").beginObject();
			anyCounter = true;
			w.field(ps->name, static_cast<uint64_t>(v));
		}
	}
	if (anyCounter)
		w.endObject();
	for (GParamSpec *ps : it->second) {
		if (ps->value_type != GST_TYPE_STRUCTURE)
			continue;
		GstStructure *s = nullptr;
		g_object_get(e, ps->name, &s, nullptr);
		if (!s)
			continue;
		if (!anyStats)
			w.key("stats").beginObject();
		anyStats = true;
		w.key(ps->name);
		writeStructure(w, s);
		gst_structure_free(s);
	}
	if (anyStats)
		w.endObject();
}

static void writePool(JsonWriter &w, GstBufferPool *pool)
{
	w.key("pool").beginObject();
	w.field("type", G_OBJECT_TYPE_NAME(pool));
	w.field("name", GST_OBJECT_NAME(pool));
	w.field("active", static_cast<bool>(gst_buffer_pool_is_active(pool)));
	GstStructure *config = gst_buffer_pool_get_config(pool);
	GstCaps *caps = nullptr;
	guint size = 0, min = 0, max = 0;
	if (config && gst_buffer_pool_config_get_params(config, &caps, &size, &min, &max))
		w.field("size", size).field("min", min).field("max", max);
	if (config)
		gst_structure_free(config);
	if (DBK_IS_BUFFER_POOL(pool)) {
		GstStructure *s = dbk_buffer_pool_get_stats_structure(DBK_BUFFER_POOL(pool));
		if (s) {
			w.key("dmabufkit");
			writeStructure(w, s);
			gst_structure_free(s);
		}
	}
	w.endObject();
}

/* Whether @e's first source pad carries the caps its first sink pad does. */
bool SnapshotBuilder::capsUnchanged(GstElement *e) const
{
	GstPad *sink = nullptr, *src = nullptr;
	forEachPad(e, [&](GstPad *p) {
		if (GST_PAD_IS_SINK(p) && !sink)
			sink = GST_PAD(gst_object_ref(p));
		else if (GST_PAD_IS_SRC(p) && !src)
			src = GST_PAD(gst_object_ref(p));
	});
	bool same = false;
	if (sink && src) {
		GstCaps *in = gst_pad_get_current_caps(sink), *out = gst_pad_get_current_caps(src);
		if (in && out) {
			same = gst_caps_is_equal(in, out);
		} else {
			/* Deactivated: the caps last carried, as strings. */
			std::string a = capsOf(sink);
			if (a.empty()) {
				if (GstPad *up = realPeer(sink)) {
					a = capsOf(up);
					gst_object_unref(up);
				}
			}
			same = !a.empty() && a == capsOf(src);
		}
		gst_clear_caps(&in);
		gst_clear_caps(&out);
	}
	gst_clear_object(&sink);
	gst_clear_object(&src);
	return same;
}

namespace {

/* What an element's counters say about copies, and why. */
struct CopyVerdict {
	uint64_t copies = 0;
	const char *reason = nullptr;
};

} /* namespace */

void SnapshotBuilder::writeLatency(JsonWriter &w, ElementStats &es, Previous &prev)
{
	uint64_t sum = es.latencySumNs.load(), count = es.latencyCount.load();
	uint64_t maxNs = es.latencyMaxNs.exchange(0);
	w.key("latency").beginObject();
	w.field("count", count);
	w.field("avg_us", count ? sum / 1000.0 / count : 0.0);
	uint64_t dc = count - prev.latencyCount;
	w.field("interval_avg_us", dc ? (sum - prev.latencySum) / 1000.0 / dc : 0.0);
	w.field("interval_max_us", maxNs / 1000.0);
	w.endObject();
	prev.latencySum = sum;
	prev.latencyCount = count;
}

uint64_t SnapshotBuilder::writeMemoryAndCopies(JsonWriter &w, GstElement *e, ElementStats &es,
					       const Previous &prev, double dt)
{
	/* A copy: dma-buf in and other memory out, or new memory while the
	   caps stay the same (the element could have passed it through). */
	uint64_t same = es.sameMemory.load(), fresh = es.newMemory.load();
	uint64_t d2o = es.dmabufToOther.load(), o2d = es.otherToDmabuf.load();
	/* Only asked when it decides (caps to strings is not free). */
	bool sameCaps = !d2o && !o2d && fresh && capsUnchanged(e);
	CopyVerdict v;
	if (d2o)
		v = { d2o, "dma-buf in, other memory out" };
	else if (o2d)
		v = { o2d, "system memory in, dma-buf out (upload)" };
	else if (sameCaps && fresh)
		v = { fresh, "new memory with unchanged caps" };
	w.key("memory").beginObject();
	w.field("same", same).field("new", fresh);
	w.field("dmabuf_to_other", d2o).field("other_to_dmabuf", o2d);
	w.endObject();
	w.key("copy").beginObject();
	w.field("count", v.copies);
	w.field("rate", dt > 0 && v.copies >= prev.copies ? (v.copies - prev.copies) / dt : 0.0);
	if (v.reason)
		w.field("reason", v.reason);
	w.endObject();
	return v.copies;
}

bool SnapshotBuilder::writeElement(JsonWriter &w, const ElementRef &r, double t)
{
	GstElement *e = r.element;
	auto *es = static_cast<ElementStats *>(g_object_get_qdata(G_OBJECT(e), quarks_.element));
	bool copied = false;
	w.beginObject();
	w.field("id", r.id);
	if (es) {
		Previous &prev = prevElements_[r.id];
		double dt = prev.seen ? t - prev.t : 0;
		w.field("buffers_in", es->buffersIn.load());
		writeLatency(w, *es, prev);
		uint64_t copies = writeMemoryAndCopies(w, e, *es, prev, dt);
		copied = copies > 0;
		uint64_t perf = es->performance.load();
		if (perf) {
			std::string last;
			{
				std::lock_guard lock(es->mutex);
				last = es->lastPerformance;
			}
			w.key("performance").beginObject().field("count", perf);
			w.field("last", last).endObject();
		}
		w.field("qos", es->qos.load());
		prev.t = t;
		prev.seen = true;
		prev.copies = copies;
	}
	writeCounters(w, e);
	w.endObject();
	return copied;
}

/* The kind of this interval's buffers, else of all seen. */
static MemKind dominantKind(const uint64_t (&kinds)[kMemKinds], const uint64_t (&before)[kMemKinds],
			    bool seen)
{
	size_t best = 0;
	uint64_t bestN = 0;
	for (size_t k = 1; k < kMemKinds; ++k) {
		uint64_t n = kinds[k] - (seen ? before[k] : 0);
		if (n > bestN)
			bestN = n, best = k;
	}
	if (!bestN)
		for (size_t k = 1; k < kMemKinds; ++k)
			if (kinds[k] > bestN)
				bestN = kinds[k], best = k;
	return static_cast<MemKind>(best);
}

/* What the link learnt from its dma-bufs and its allocation query. */
static void writeLinkMemory(JsonWriter &w, PadStats &ps)
{
	std::lock_guard lock(ps.mutex);
	if (!ps.exporter.empty())
		w.field("exporter", ps.exporter);
	if (!ps.names.empty()) {
		w.key("names").beginArray();
		for (auto &n : ps.names)
			w.value(n);
		w.endArray();
	}
	if (!ps.allocation.empty())
		w.key("allocation").raw(ps.allocation);
}

void SnapshotBuilder::writeLink(JsonWriter &w, const std::string &id, PadStats &ps, double t,
				bool copied)
{
	Previous &prev = prevLinks_[ps.serial];
	double dt = prev.seen ? t - prev.t : 0;
	uint64_t buffers = ps.buffers.load(), bytes = ps.bytes.load();
	uint64_t kinds[kMemKinds];
	for (size_t k = 0; k < kMemKinds; ++k)
		kinds[k] = ps.kinds[k].load();
	w.beginObject();
	w.field("id", id);
	w.field("buffers", buffers).field("bytes", bytes);
	w.field("fps", dt > 0 ? (buffers - prev.buffers) / dt : 0.0);
	w.field("bps", dt > 0 ? (bytes - prev.bytes) / dt : 0.0);
	w.field("kind", memKindName(dominantKind(kinds, prev.kinds, prev.seen)));
	w.key("kinds").beginObject();
	for (size_t k = 1; k < kMemKinds; ++k)
		if (kinds[k])
			w.field(memKindName(static_cast<MemKind>(k)), kinds[k]);
	w.endObject();
	w.field("inodes", ps.distinctInodes.load());
	if (const uint64_t waits = ps.fenceWaits.load()) {
		w.key("fence_waits").beginObject();
		w.field("count", waits).field("total_ms", ps.fenceWaitNs.load() / 1e6);
		w.field("max_ms", ps.fenceWaitMaxNs.load() / 1e6);
		w.field("timeouts", ps.fenceTimeouts.load());
		w.endObject();
	}
	w.field("copied", copied);
	uint64_t pts = ps.lastPts.load();
	if (pts != GST_CLOCK_TIME_NONE)
		w.field("last_pts", pts);
	writeLinkMemory(w, ps);
	if (auto *pool = static_cast<GstBufferPool *>(g_weak_ref_get(&ps.pool))) {
		writePool(w, pool);
		gst_object_unref(pool);
	}
	w.endObject();
	prev.t = t;
	prev.seen = true;
	prev.buffers = buffers;
	prev.bytes = bytes;
	std::copy(kinds, kinds + kMemKinds, prev.kinds);
}

std::string SnapshotBuilder::stats(const std::vector<GstElement *> &pipelines, double t,
				   uint64_t seq, size_t clients, uint64_t dropped)
{
	auto refs = collect(pipelines);
	JsonWriter w;
	w.beginObject();
	w.field("type", "stats").field("v", kProtocolVersion).field("seq", seq).field("t", t);
	cpu_.write(w, t);
	w.key("transport").beginObject().field("clients", static_cast<uint64_t>(clients));
	w.field("dropped_lines", dropped).endObject();

	std::map<std::string, bool> copiedOut; /* element id -> made copies */
	w.key("elements").beginArray();
	for (auto &r : refs)
		if (!r.bin)
			copiedOut[r.id] = writeElement(w, r, t);
	w.endArray();

	w.key("links").beginArray();
	for (auto &r : refs) {
		if (r.bin)
			continue;
		forEachPad(r.element, [&](GstPad *pad) {
			if (!GST_PAD_IS_SRC(pad))
				return;
			auto *ps = static_cast<PadStats *>(
				g_object_get_qdata(G_OBJECT(pad), quarks_.pad));
			if (ps && ps->real) {
				std::string id = r.id + ":" + GST_OBJECT_NAME(pad);
				writeLink(w, id, *ps, t, copiedOut[r.id]);
				linkIds_[ps->serial] = std::move(id);
			}
		});
	}
	w.endArray();
	w.endObject();
	release(refs);
	return w.take();
}

} /* namespace dmabufkit::dmabuftrace */

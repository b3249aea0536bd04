/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "snapshot-builder.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <dmabufkit/dbk-buffer-pool.h>

#include "flow-stats.h"

namespace dbk::tracer {

static constexpr int kProtocolVersion = 1;
static constexpr size_t kMaxValueChars = 256;

std::string objectId(GstObject *obj)
{
	std::vector<std::string> parts;
	GstObject *o = obj ? GST_OBJECT(gst_object_ref(obj)) : nullptr;
	while (o) {
		gchar *name = gst_object_get_name(o);
		parts.emplace_back(name ? name : "?");
		g_free(name);
		GstObject *parent = gst_object_get_parent(o);
		gst_object_unref(o);
		o = parent;
	}
	std::string id;
	for (auto it = parts.rbegin(); it != parts.rend(); ++it) {
		if (!id.empty())
			id += '/';
		id += *it;
	}
	return id;
}

bool isRealElementPad(GstPad *pad)
{
	if (GST_IS_PROXY_PAD(pad))
		return false;
	GstObject *parent = GST_OBJECT_PARENT(pad);
	return parent && GST_IS_ELEMENT(parent) && !GST_IS_BIN(parent);
}

GstPad *realPeer(GstPad *pad)
{
	GstPad *p = gst_pad_get_peer(pad);
	for (int depth = 0; p && GST_IS_PROXY_PAD(p) && depth < 32; ++depth) {
		GstProxyPad *internal = gst_proxy_pad_get_internal(GST_PROXY_PAD(p));
		gst_object_unref(p);
		if (!internal)
			return nullptr;
		p = gst_pad_get_peer(GST_PAD(internal));
		gst_object_unref(internal);
	}
	if (p && GST_IS_PROXY_PAD(p)) {
		gst_object_unref(p);
		return nullptr;
	}
	return p;
}

static std::string truncated(const char *s)
{
	std::string v = s ? s : "";
	if (v.size() > kMaxValueChars)
		v = v.substr(0, kMaxValueChars) + "…";
	return v;
}

static void writeGValue(JsonWriter &w, const GValue *v)
{
	switch (G_VALUE_TYPE(v)) {
	case G_TYPE_BOOLEAN:
		w.value(static_cast<bool>(g_value_get_boolean(v)));
		return;
	case G_TYPE_INT:
		w.value(static_cast<int64_t>(g_value_get_int(v)));
		return;
	case G_TYPE_UINT:
		w.value(static_cast<uint64_t>(g_value_get_uint(v)));
		return;
	case G_TYPE_INT64:
		w.value(static_cast<int64_t>(g_value_get_int64(v)));
		return;
	case G_TYPE_UINT64:
		w.value(static_cast<uint64_t>(g_value_get_uint64(v)));
		return;
	case G_TYPE_DOUBLE:
		w.value(g_value_get_double(v));
		return;
	case G_TYPE_FLOAT:
		w.value(static_cast<double>(g_value_get_float(v)));
		return;
	case G_TYPE_STRING:
		w.value(truncated(g_value_get_string(v)));
		return;
	default:
		break;
	}
	if (G_VALUE_TYPE(v) == GST_TYPE_STRUCTURE) {
		const GstStructure *s = gst_value_get_structure(v);
		if (s) {
			writeStructure(w, s);
			return;
		}
		w.null();
		return;
	}
	gchar *s = gst_value_serialize(v);
	if (!s)
		s = g_strdup_value_contents(v);
	w.value(truncated(s));
	g_free(s);
}

void writeStructure(JsonWriter &w, const GstStructure *s)
{
	w.beginObject();
	w.field("name", gst_structure_get_name(s));
	gint n = gst_structure_n_fields(s);
	for (gint i = 0; i < n; ++i) {
		const gchar *f = gst_structure_nth_field_name(s, i);
		if (!strcmp(f, "name"))
			continue;
		w.key(f);
		writeGValue(w, gst_structure_get_value(s, f));
	}
	w.endObject();
}

std::vector<GstObject *> iteratorObjects(GstIterator *it)
{
	GValue item = G_VALUE_INIT;
	std::vector<GstObject *> out;
	bool done = false;
	while (!done) {
		switch (gst_iterator_next(it, &item)) {
		case GST_ITERATOR_OK:
			out.push_back(GST_OBJECT(g_value_dup_object(&item)));
			g_value_reset(&item);
			break;
		case GST_ITERATOR_RESYNC:
			for (auto *o : out)
				gst_object_unref(o);
			out.clear();
			gst_iterator_resync(it);
			break;
		default:
			done = true;
		}
	}
	g_value_unset(&item);
	gst_iterator_free(it);
	return out;
}

static void collectBin(GstBin *bin, const std::string &prefix, std::vector<GstElement *> &out)
{
	auto children = iteratorObjects(gst_bin_iterate_elements(bin));
	/* The iterator lists the newest first; keep the order they were added. */
	std::reverse(children.begin(), children.end());
	for (auto *c : children) {
		out.push_back(GST_ELEMENT(c));
		if (GST_IS_BIN(c))
			collectBin(GST_BIN(c), prefix, out);
	}
}

std::vector<SnapshotBuilder::ElementRef>
SnapshotBuilder::collect(const std::vector<GstElement *> &pipelines)
{
	std::vector<GstElement *> all;
	for (GstElement *p : pipelines) {
		GstObject *parent = gst_object_get_parent(GST_OBJECT(p));
		if (parent) { /* nested: walked through its parent */
			gst_object_unref(parent);
			continue;
		}
		all.push_back(GST_ELEMENT(gst_object_ref(p)));
		collectBin(GST_BIN(p), "", all);
	}
	std::vector<ElementRef> refs;
	refs.reserve(all.size());
	for (GstElement *e : all) {
		ElementRef r{ e, objectId(GST_OBJECT(e)), "", GST_IS_BIN(e) != FALSE };
		GstObject *parent = gst_object_get_parent(GST_OBJECT(e));
		if (parent) {
			r.parent = objectId(parent);
			gst_object_unref(parent);
		}
		refs.push_back(std::move(r));
	}
	return refs;
}

void SnapshotBuilder::release(std::vector<ElementRef> &refs)
{
	for (auto &r : refs)
		gst_object_unref(r.element);
	refs.clear();
}

template<typename F> static void forEachPad(GstElement *e, F &&f)
{
	for (GstObject *p : iteratorObjects(gst_element_iterate_pads(e))) {
		f(GST_PAD(p));
		gst_object_unref(p);
	}
}

static std::string capsString(GstPad *pad, GQuark padQuark)
{
	GstCaps *caps = gst_pad_get_current_caps(pad);
	if (!caps) {
		/* Deactivated (going down): the caps it last carried. */
		auto *ps = static_cast<PadStats *>(g_object_get_qdata(G_OBJECT(pad), padQuark));
		if (!ps)
			return {};
		std::lock_guard lock(ps->mutex);
		return ps->lastCaps;
	}
	gchar *s = gst_caps_to_string(caps);
	std::string r = s ? s : "";
	g_free(s);
	gst_caps_unref(caps);
	return r;
}

std::string padId(GstPad *pad)
{
	GstObject *parent = gst_object_get_parent(GST_OBJECT(pad));
	std::string id = parent ? objectId(parent) : std::string("?");
	if (parent)
		gst_object_unref(parent);
	return id + ":" + GST_OBJECT_NAME(pad);
}

static void writeProperties(JsonWriter &w, GstElement *e)
{
	guint n = 0;
	GParamSpec **specs = g_object_class_list_properties(G_OBJECT_GET_CLASS(e), &n);
	w.key("properties").beginObject();
	for (guint i = 0; i < n; ++i) {
		GParamSpec *ps = specs[i];
		if (!(ps->flags & G_PARAM_READABLE) || (ps->flags & G_PARAM_DEPRECATED))
			continue;
		if (!strcmp(ps->name, "name") || !strcmp(ps->name, "parent"))
			continue;
		GType t = ps->value_type;
		/* Objects and samples (last-sample) say little and may be costly. */
		if (g_type_is_a(t, G_TYPE_OBJECT) || t == GST_TYPE_SAMPLE || t == G_TYPE_POINTER ||
		    (G_TYPE_FUNDAMENTAL(t) == G_TYPE_BOXED && t != GST_TYPE_CAPS &&
		     t != GST_TYPE_STRUCTURE))
			continue;
		GValue v = G_VALUE_INIT;
		g_value_init(&v, t);
		g_object_get_property(G_OBJECT(e), ps->name, &v);
		w.key(ps->name);
		writeGValue(w, &v);
		g_value_unset(&v);
	}
	w.endObject();
	g_free(specs);
}

std::string SnapshotBuilder::graph(const std::vector<GstElement *> &pipelines, double t, uint64_t seq)
{
	auto refs = collect(pipelines);
	JsonWriter w;
	w.beginObject();
	w.field("type", "graph").field("v", kProtocolVersion).field("seq", seq).field("t", t);
	w.key("elements").beginArray();
	struct Link {
		std::string src, srcPad, sink, sinkPad, caps;
	};
	std::vector<Link> links;
	for (auto &r : refs) {
		GstElement *e = r.element;
		w.beginObject();
		w.field("id", r.id);
		w.field("name", GST_OBJECT_NAME(e));
		GstElementFactory *f = gst_element_get_factory(e);
		w.field("factory", f ? GST_OBJECT_NAME(f) : G_OBJECT_TYPE_NAME(e));
		const gchar *klass = f ? gst_element_factory_get_metadata(f, GST_ELEMENT_METADATA_KLASS)
				       : nullptr;
		w.field("klass", klass ? klass : "");
		if (r.parent.empty())
			w.key("parent").null();
		else
			w.field("parent", r.parent);
		w.field("bin", r.bin);
		GST_OBJECT_LOCK(e);
		GstState cur = GST_STATE(e), pending = GST_STATE_PENDING(e);
		GST_OBJECT_UNLOCK(e);
		w.field("state", gst_element_state_get_name(cur));
		w.field("pending", gst_element_state_get_name(pending));
		w.key("pads").beginArray();
		forEachPad(e, [&](GstPad *pad) {
			w.beginObject();
			w.field("name", GST_OBJECT_NAME(pad));
			w.field("dir", GST_PAD_IS_SRC(pad) ? "src" : GST_PAD_IS_SINK(pad) ? "sink" : "unknown");
			std::string caps = capsString(pad, quarks_.pad);
			if (!caps.empty())
				w.field("caps", caps);
			GstPad *peer = r.bin ? nullptr : realPeer(pad);
			if (peer) {
				w.field("peer", padId(peer));
				if (GST_PAD_IS_SRC(pad)) {
					GstObject *pe = gst_object_get_parent(GST_OBJECT(peer));
					links.push_back({ r.id, GST_OBJECT_NAME(pad),
							  pe ? objectId(pe) : std::string("?"),
							  GST_OBJECT_NAME(peer), caps });
					if (pe)
						gst_object_unref(pe);
				}
				gst_object_unref(peer);
			}
			w.endObject();
		});
		w.endArray();
		writeProperties(w, e);
		w.endObject();
	}
	w.endArray();
	w.key("links").beginArray();
	for (auto &l : links) {
		w.beginObject();
		w.field("id", l.src + ":" + l.srcPad);
		w.field("src", l.src).field("src_pad", l.srcPad);
		w.field("sink", l.sink).field("sink_pad", l.sinkPad);
		w.field("caps", l.caps);
		w.endObject();
	}
	w.endArray();
	w.endObject();
	release(refs);
	return w.take();
}

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
			bool readOnly = (ps->flags & G_PARAM_READABLE) && !(ps->flags & G_PARAM_WRITABLE);
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

static double processCpuSeconds()
{
	timespec ts{};
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* A thread's CPU time through its CPU-time clock (Linux: the clock id of
   thread @tid is ~tid << 3 | CPUCLOCK_PERTHREAD | CPUCLOCK_SCHED): one
   syscall, where /proc/self/task/TID/stat costs three and a text parse. */
static bool threadCpuSeconds(int tid, double *seconds)
{
	const clockid_t clock = static_cast<clockid_t>((~static_cast<unsigned>(tid) << 3) | 6u);
	timespec ts{};
	if (clock_gettime(clock, &ts) != 0)
		return false;
	*seconds = ts.tv_sec + ts.tv_nsec / 1e9;
	return true;
}

static std::string threadName(int tid)
{
	char path[64], buf[64];
	snprintf(path, sizeof(path), "/proc/self/task/%d/comm", tid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return {};
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return {};
	if (buf[n - 1] == '\n')
		--n;
	return std::string(buf, n);
}

void SnapshotBuilder::writeCpu(JsonWriter &w, double t)
{
	double cpu = processCpuSeconds();
	double dt = prevCpuT_ >= 0 ? t - prevCpuT_ : 0;
	w.key("cpu").beginObject();
	w.field("process_s", cpu);
	w.field("load", dt > 0 ? (cpu - prevProcessCpu_) / dt : 0.0);
	w.key("threads").beginArray();
	for (auto &[tid, th] : threads_)
		th.seen = false;
	if (DIR *d = opendir("/proc/self/task")) {
		int count = 0;
		while (dirent *de = readdir(d)) {
			if (de->d_name[0] == '.' || ++count > 64)
				continue;
			int tid = atoi(de->d_name);
			double seconds;
			if (!threadCpuSeconds(tid, &seconds))
				continue;
			auto [it, fresh] = threads_.try_emplace(tid);
			ThreadSeen &th = it->second;
			/* Names change (GStreamer names streaming threads once they
			   run): read again now and then, not every snapshot. */
			if (t - th.nameT > 2.0) {
				th.name = threadName(tid);
				th.nameT = t;
			}
			double load = (dt > 0 && !fresh) ? (seconds - th.cpu) / dt : 0.0;
			th.cpu = seconds;
			th.seen = true;
			w.beginObject();
			w.field("tid", tid).field("name", th.name);
			w.field("cpu_s", seconds).field("load", load);
			w.endObject();
		}
		closedir(d);
	}
	std::erase_if(threads_, [](const auto &e) { return !e.second.seen; });
	w.endArray();
	w.endObject();
	prevCpuT_ = t;
	prevProcessCpu_ = cpu;
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
static bool capsUnchanged(GstElement *e, GQuark padQuark)
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
			std::string a = capsString(sink, padQuark);
			if (a.empty()) {
				if (GstPad *up = realPeer(sink)) {
					a = capsString(up, padQuark);
					gst_object_unref(up);
				}
			}
			same = !a.empty() && a == capsString(src, padQuark);
		}
		gst_clear_caps(&in);
		gst_clear_caps(&out);
	}
	gst_clear_object(&sink);
	gst_clear_object(&src);
	return same;
}

std::string SnapshotBuilder::stats(const std::vector<GstElement *> &pipelines, double t,
				   uint64_t seq, size_t clients, uint64_t dropped)
{
	auto refs = collect(pipelines);
	JsonWriter w;
	w.beginObject();
	w.field("type", "stats").field("v", kProtocolVersion).field("seq", seq).field("t", t);
	writeCpu(w, t);
	w.key("transport").beginObject().field("clients", static_cast<uint64_t>(clients));
	w.field("dropped_lines", dropped).endObject();

	std::map<std::string, bool> copiedOut; /* element id -> made copies */
	w.key("elements").beginArray();
	for (auto &r : refs) {
		if (r.bin)
			continue;
		GstElement *e = r.element;
		auto *es = static_cast<ElementStats *>(g_object_get_qdata(G_OBJECT(e), quarks_.element));
		w.beginObject();
		w.field("id", r.id);
		if (es) {
			Previous &prev = prevElements_[r.id];
			double dt = prev.seen ? t - prev.t : 0;
			uint64_t sum = es->latencySumNs.load(), count = es->latencyCount.load();
			uint64_t maxNs = es->latencyMaxNs.exchange(0);
			w.field("buffers_in", es->buffersIn.load());
			w.key("latency").beginObject();
			w.field("count", count);
			w.field("avg_us", count ? sum / 1000.0 / count : 0.0);
			uint64_t dc = count - prev.latencyCount;
			w.field("interval_avg_us", dc ? (sum - prev.latencySum) / 1000.0 / dc : 0.0);
			w.field("interval_max_us", maxNs / 1000.0);
			w.endObject();

			/* A copy: dma-buf in and other memory out, or new memory while the
			   caps stay the same (the element could have passed it through). */
			uint64_t same = es->sameMemory.load(), fresh = es->newMemory.load();
			uint64_t d2o = es->dmabufToOther.load(), o2d = es->otherToDmabuf.load();
			/* Only asked when it decides (caps to strings is not free). */
			bool sameCaps = !d2o && !o2d && fresh && capsUnchanged(e, quarks_.pad);
			uint64_t copies = 0;
			const char *reason = nullptr;
			if (d2o) {
				copies = d2o;
				reason = "dma-buf in, other memory out";
			} else if (o2d) {
				copies = o2d;
				reason = "system memory in, dma-buf out (upload)";
			} else if (sameCaps && fresh) {
				copies = fresh;
				reason = "new memory with unchanged caps";
			}
			w.key("memory").beginObject();
			w.field("same", same).field("new", fresh);
			w.field("dmabuf_to_other", d2o).field("other_to_dmabuf", o2d);
			w.endObject();
			w.key("copy").beginObject();
			w.field("count", copies);
			w.field("rate", dt > 0 && copies >= prev.copies ? (copies - prev.copies) / dt : 0.0);
			if (reason)
				w.field("reason", reason);
			w.endObject();
			copiedOut[r.id] = copies > 0;
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
			prev.latencySum = sum;
			prev.latencyCount = count;
			prev.copies = copies;
		}
		writeCounters(w, e);
		w.endObject();
	}
	w.endArray();

	w.key("links").beginArray();
	for (auto &r : refs) {
		if (r.bin)
			continue;
		forEachPad(r.element, [&](GstPad *pad) {
			if (!GST_PAD_IS_SRC(pad))
				return;
			auto *ps = static_cast<PadStats *>(g_object_get_qdata(G_OBJECT(pad), quarks_.pad));
			if (!ps || !ps->real)
				return;
			Previous &prev = prevLinks_[ps->serial];
			double dt = prev.seen ? t - prev.t : 0;
			uint64_t buffers = ps->buffers.load(), bytes = ps->bytes.load();
			uint64_t kinds[kMemKinds];
			for (size_t k = 0; k < kMemKinds; ++k)
				kinds[k] = ps->kinds[k].load();
			w.beginObject();
			w.field("id", r.id + ":" + GST_OBJECT_NAME(pad));
			w.field("buffers", buffers).field("bytes", bytes);
			w.field("fps", dt > 0 ? (buffers - prev.buffers) / dt : 0.0);
			w.field("bps", dt > 0 ? (bytes - prev.bytes) / dt : 0.0);
			/* The kind of this interval's buffers, else of all seen. */
			size_t best = 0;
			uint64_t bestN = 0;
			for (size_t k = 1; k < kMemKinds; ++k) {
				uint64_t n = kinds[k] - (prev.seen ? prev.kinds[k] : 0);
				if (n > bestN)
					bestN = n, best = k;
			}
			if (!bestN)
				for (size_t k = 1; k < kMemKinds; ++k)
					if (kinds[k] > bestN)
						bestN = kinds[k], best = k;
			w.field("kind", memKindName(static_cast<MemKind>(best)));
			w.key("kinds").beginObject();
			for (size_t k = 1; k < kMemKinds; ++k)
				if (kinds[k])
					w.field(memKindName(static_cast<MemKind>(k)), kinds[k]);
			w.endObject();
			w.field("inodes", ps->distinctInodes.load());
			w.field("copied", copiedOut[r.id]);
			uint64_t pts = ps->lastPts.load();
			if (pts != GST_CLOCK_TIME_NONE)
				w.field("last_pts", pts);
			{
				std::lock_guard lock(ps->mutex);
				if (!ps->exporter.empty())
					w.field("exporter", ps->exporter);
				if (!ps->names.empty()) {
					w.key("names").beginArray();
					for (auto &n : ps->names)
						w.value(n);
					w.endArray();
				}
				if (!ps->allocation.empty())
					w.key("allocation").raw(ps->allocation);
			}
			if (auto *pool = static_cast<GstBufferPool *>(g_weak_ref_get(&ps->pool))) {
				writePool(w, pool);
				gst_object_unref(pool);
			}
			w.endObject();
			prev.t = t;
			prev.seen = true;
			prev.buffers = buffers;
			prev.bytes = bytes;
			std::copy(kinds, kinds + kMemKinds, prev.kinds);
		});
	}
	w.endArray();
	w.endObject();
	release(refs);
	return w.take();
}

} /* namespace dbk::tracer */

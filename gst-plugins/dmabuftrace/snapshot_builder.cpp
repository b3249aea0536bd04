/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* SnapshotBuilder: collecting the elements, and the "graph" line. */
#include "snapshot_builder.h"

#include <cstring>

#include "factory_names.h"
#include "flow_stats.h"
#include "graph_walk.h"
#include "gst_value_json.h"

namespace dmabufkit::dmabuftrace {

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
		collectBinElements(GST_BIN(p), all);
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

std::string SnapshotBuilder::capsOf(GstPad *pad) const
{
	GstCaps *caps = gst_pad_get_current_caps(pad);
	if (!caps) {
		/* Deactivated (going down): the caps it last carried. */
		auto *ps = static_cast<PadStats *>(g_object_get_qdata(G_OBJECT(pad), quarks_.pad));
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
		writeGValue(w, &v, valueLimitFor(ps->name));
		g_value_unset(&v);
	}
	w.endObject();
	g_free(specs);
}

std::string SnapshotBuilder::graph(const std::vector<GstElement *> &pipelines, double t,
				   uint64_t seq)
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
		const FactoryNames names = factoryNamesOf(e);
		w.field("factory", names.factory);
		w.field("klass", names.klass);
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
			w.field("dir", GST_PAD_IS_SRC(pad)    ? "src"
				       : GST_PAD_IS_SINK(pad) ? "sink"
							      : "unknown");
			std::string caps = capsOf(pad);
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

} /* namespace dmabufkit::dmabuftrace */

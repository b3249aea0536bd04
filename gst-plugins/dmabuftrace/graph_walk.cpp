/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "graph_walk.h"

#include <algorithm>

namespace dmabufkit::dmabuftrace {

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

std::string padId(GstPad *pad)
{
	GstObject *parent = gst_object_get_parent(GST_OBJECT(pad));
	std::string id = parent ? objectId(parent) : std::string("?");
	if (parent)
		gst_object_unref(parent);
	return id + ":" + GST_OBJECT_NAME(pad);
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

void collectBinElements(GstBin *bin, std::vector<GstElement *> &out)
{
	auto children = iteratorObjects(gst_bin_iterate_elements(bin));
	/* The iterator lists the newest first; keep the order they were added. */
	std::reverse(children.begin(), children.end());
	for (auto *c : children) {
		out.push_back(GST_ELEMENT(c));
		if (GST_IS_BIN(c))
			collectBinElements(GST_BIN(c), out);
	}
}

} /* namespace dmabufkit::dmabuftrace */

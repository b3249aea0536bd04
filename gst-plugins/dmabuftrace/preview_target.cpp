/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "preview_target.h"

#include "graph_walk.h"

namespace dmabufkit::dmabuftrace {

PreviewTarget::~PreviewTarget()
{
	if (source)
		gst_object_unref(source);
}

static bool carriesRawVideo(GstPad *pad)
{
	GstCaps *caps = gst_pad_get_current_caps(pad);
	bool video = caps && gst_caps_get_size(caps) > 0 &&
		     gst_structure_has_name(gst_caps_get_structure(caps, 0), "video/x-raw");
	if (caps)
		gst_caps_unref(caps);
	return video;
}

/* The first pad of @element in @direction satisfying @accept (a new reference). */
template<typename Accept>
static GstPad *firstPad(GstElement *element, GstPadDirection direction, Accept accept)
{
	GstPad *found = nullptr;
	GST_OBJECT_LOCK(element);
	for (GList *l = element->pads; l && !found; l = l->next) {
		GstPad *pad = GST_PAD(l->data);
		if (GST_PAD_DIRECTION(pad) == direction)
			found = GST_PAD(gst_object_ref(pad));
	}
	GST_OBJECT_UNLOCK(element);
	if (found && !accept(found)) {
		gst_object_unref(found);
		found = nullptr;
	}
	return found;
}

/* Sets @out from the pad the user named or auto chose: a sink pad is
   watched through the real source pad feeding it. Takes @pad. */
static void targetPad(GstPad *pad, PreviewTarget &out)
{
	GstPad *source = GST_PAD_IS_SRC(pad) ? GST_PAD(gst_object_ref(pad)) : realPeer(pad);
	if (!source || !isRealElementPad(source)) {
		out.error = "preview: " + padId(pad) + " is not linked to an element";
		if (source)
			gst_object_unref(source);
		gst_object_unref(pad);
		return;
	}
	GstPad *sink = GST_PAD_IS_SINK(pad) ? GST_PAD(gst_object_ref(pad)) : realPeer(source);
	out.source = source;
	out.linkId = padId(source);
	if (sink) {
		GstObject *e = gst_object_get_parent(GST_OBJECT(sink));
		out.sinkId = e ? objectId(e) : std::string();
		out.sinkPad = GST_OBJECT_NAME(sink);
		if (e)
			gst_object_unref(e);
		gst_object_unref(sink);
	}
	gst_object_unref(pad);
}

static GstPad *autoPad(GstElement *pipeline)
{
	/* Sinks come newest first: the video sink added last wins. */
	GstPad *found = nullptr;
	for (GstObject *o : iteratorObjects(gst_bin_iterate_sinks(GST_BIN(pipeline)))) {
		if (!found && !GST_IS_BIN(o))
			found = firstPad(GST_ELEMENT(o), GST_PAD_SINK, carriesRawVideo);
		gst_object_unref(o);
	}
	return found;
}

static GstPad *namedPad(GstElement *pipeline, const std::string &spec, std::string &error)
{
	size_t colon = spec.find(':');
	std::string name = spec.substr(0, colon);
	GstElement *e = gst_bin_get_by_name(GST_BIN(pipeline), name.c_str());
	if (!e) {
		error = "preview: no element named \"" + name + "\"";
		return nullptr;
	}
	GstPad *pad = nullptr;
	if (colon != std::string::npos) {
		std::string padName = spec.substr(colon + 1);
		pad = gst_element_get_static_pad(e, padName.c_str());
		if (!pad)
			error = "preview: " + name + " has no pad \"" + padName + "\"";
	} else {
		/* An element alone: what flows into it, or out of a source. */
		auto any = [](GstPad *) { return true; };
		pad = firstPad(e, GST_PAD_SINK, any);
		if (!pad)
			pad = firstPad(e, GST_PAD_SRC, any);
		if (!pad)
			error = "preview: " + name + " has no pads";
	}
	gst_object_unref(e);
	return pad;
}

void findPreviewTarget(const std::vector<GstElement *> &pipelines, const std::string &spec,
		       PreviewTarget &out)
{
	for (GstElement *p : pipelines) {
		if (!GST_IS_BIN(p))
			continue;
		std::string error;
		GstPad *pad = spec == "auto" ? autoPad(p) : namedPad(p, spec, error);
		if (pad) {
			out.error.clear();
			targetPad(pad, out);
			if (out.source)
				return;
		} else if (out.error.empty()) {
			out.error = error;
		}
	}
	if (out.error.empty())
		out.error = spec == "auto" ? "preview: no video sink with raw video caps"
					   : "preview: " + spec + " not found";
}

} /* namespace dmabufkit::dmabuftrace */

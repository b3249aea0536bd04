/* SPDX-License-Identifier: LGPL-2.1-or-later */
/**
 * \file graph_walk.h
 * \brief Walking a pipeline graph: the ids the protocol names objects by,
 * peers through ghost pads, and GstIterator results as plain vectors.
 */
#pragma once

#include <string>
#include <vector>

#include <gst/gst.h>

namespace dmabufkit::dmabuftrace {

/** \brief The id of \a obj in the protocol: "pipeline0/bin0/identity0". */
std::string objectId(GstObject *obj);

/** \brief The id of \a pad: "pipeline0/bin0/identity0:src". */
std::string padId(GstPad *pad);

/** \brief The real (non-proxy) pad \a pad is linked to, following ghost pads; owned or nullptr. */
GstPad *realPeer(GstPad *pad);

/** \brief Whether \a pad belongs to an element that is not a bin, and is not a proxy pad. */
bool isRealElementPad(GstPad *pad);

/** \brief Every object \a it yields, as new references (a resync starts over); frees \a it. */
std::vector<GstObject *> iteratorObjects(GstIterator *it);

/** \brief The elements inside \a bin, depth first, in the order they were added (owned). */
void collectBinElements(GstBin *bin, std::vector<GstElement *> &out);

/** \brief Calls \a f with every pad of \a e (borrowed for the call). */
template<typename F> void forEachPad(GstElement *e, F &&f)
{
	for (GstObject *p : iteratorObjects(gst_element_iterate_pads(e))) {
		f(GST_PAD(p));
		gst_object_unref(p);
	}
}

} /* namespace dmabufkit::dmabuftrace */

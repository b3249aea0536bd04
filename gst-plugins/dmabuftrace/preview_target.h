/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Which link the live preview watches, from the tracer's preview= parameter:
 * "auto" (the video sink added last: a non-bin element flagged as a sink
 * whose sink pad carries raw video) or "ELEMENT[:PAD]". Runs on the
 * publisher thread, whenever the graph changed and until found.
 */
#pragma once

#include <string>
#include <vector>

#include <gst/gst.h>

namespace dmabufkit::dmabuftrace {

struct PreviewTarget {
	GstPad *source = nullptr; /* owned: the real source pad of the watched link */
	std::string linkId;	  /* "pipeline0/videoconvert0:src" */
	std::string sinkId;	  /* the element the link feeds */
	std::string sinkPad;
	std::string error; /* why nothing was found, for an explicit target */

	PreviewTarget() = default;
	PreviewTarget(const PreviewTarget &) = delete;
	PreviewTarget &operator=(const PreviewTarget &) = delete;
	~PreviewTarget();
};

/* @spec: "auto" or "ELEMENT[:PAD]"; @pipelines: the live top-level pipelines. */
void findPreviewTarget(const std::vector<GstElement *> &pipelines, const std::string &spec,
		       PreviewTarget &out);

} /* namespace dmabufkit::dmabuftrace */

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/**
 * \file caps_negotiation.h
 * \brief What dmabufcpufilter can turn which caps into: the transform_caps,
 * fixate_caps and set_caps decisions of the element as functions of the
 * operation and the caps alone, so they are tested without a pipeline.
 */
#pragma once

#include <optional>
#include <span>
#include <string>
#include <vector>

#include <gst/video/video.h>

#include "filter_operation.h"
#include "kernels/video_frame.h"

namespace dmabufkit::cpufilter {

/** \brief The formats of the pad templates, in their order. */
std::span<const KernelFormat> filterFormats();

/**
 * \brief The formats on the other side of a pad that has format \a f, for
 * \a op: \a direction is the pad \a f is on (GST_PAD_SINK: \a f is the input).
 */
std::vector<KernelFormat> peerFormats(Operation op, GstPadDirection direction, KernelFormat f);

/**
 * \brief The caps on the other side of \a caps (on the \a direction pad) for
 * \a op, intersected with \a filter when given.
 *
 * Per structure of \a caps: first the formats kept as they are, with their
 * colorimetry (so identical caps, hence passthrough, win when downstream
 * accepts them), then the formats converted to, without colorimetry and
 * chroma-site. Scale frees the size (smaller on the source side). Asked from
 * the source side, the formats that cannot become \a caps follow last, so the
 * CAPS event still reaches the element, which then says why it fails.
 * \return new caps (transfer full)
 */
GstCaps *transformCaps(Operation op, GstPadDirection direction, const GstCaps *caps,
		       GstCaps *filter);

/**
 * \brief Fixate \a othercaps (taken) close to \a caps: the same format, the
 * nearest size and pixel aspect ratio where the other side allows them.
 * \return fixed caps (transfer full)
 */
GstCaps *fixateCaps(const GstCaps *caps, GstCaps *othercaps);

/**
 * \brief Why \a op cannot process frames of \a in into frames of \a out, or
 * nothing when it can.
 */
std::optional<std::string> whyNotProcessable(Operation op, const GstVideoInfo &in,
					     const GstVideoInfo &out);

/** \brief How negotiated caps are processed. */
struct ProcessingPlan {
	/** \brief Buffers go through untouched (transform_ip only counts them). */
	bool passthrough = false;
	/** \brief Frames may be processed in the input buffer when it is writable. */
	bool inPlaceCapable = false;
};

/** \brief The plan for \a op when the input and output caps are \a capsEqual. */
ProcessingPlan planProcessing(Operation op, bool capsEqual);

} /* namespace dmabufkit::cpufilter */

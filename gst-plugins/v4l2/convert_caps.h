/* SPDX-License-Identifier: LGPL-2.1-or-later */
/**
 * \file convert_caps.h
 * \brief dmabufv4l2convert's caps logic: what a memory-to-memory converter
 *        turns caps into, given what its two queues take (probed from the
 *        device), and which of those to pick. Pure caps arithmetic, no device.
 */
#pragma once

#include <gst/gst.h>

namespace dmabufkit::gstv4l2 {

/**
 * \brief The caps on the other pad of a converter for \a caps on \a direction's pad.
 *
 * Always \a caps themselves first (passthrough needs no device), then, for
 * the structures of \a caps the device's input side accepts, every format
 * and size of its other side, other fields (frame rate, interlacing) kept.
 *
 * \param direction the pad \a caps are on (GST_PAD_SINK: upstream's caps)
 * \param deviceIn raw caps of the OUTPUT queue (what the device reads)
 * \param deviceOut raw caps of the CAPTURE queue (what the device writes)
 * \param filter may be null
 * \return transfer full
 */
GstCaps *convertTransformCaps(GstPadDirection direction, GstCaps *caps, GstCaps *deviceIn,
			      GstCaps *deviceOut, GstCaps *filter);

/**
 * \brief Fixate the source caps \a othercaps (transfer full) for fixed sink caps \a caps.
 *
 * Prefers passthrough, then the input's format, then the input's size and
 * frame rate, so a converter asked only for a format does not also scale,
 * and one asked only for a size does not also convert.
 * \return transfer full
 */
GstCaps *convertFixateCaps(GstCaps *caps, GstCaps *othercaps);

} /* namespace dmabufkit::gstv4l2 */

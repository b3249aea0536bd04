/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The latency a device element reports: the longest a frame has spent in
 * its device, with headroom, raised only when a frame took longer. Shared by
 * the codec elements and the converter.
 */
#pragma once

#include <atomic>
#include <optional>

#include <gst/gst.h>

namespace dmabufkit::gstv4l2 {

class DeviceLatency
{
public:
	/**
	 * \brief The latency to report now that the device took up to \a measuredNs
	 * for a frame, or nullopt when what was reported already covers it.
	 *
	 * A quarter of headroom, rounded up to whole ms: one LATENCY message at
	 * start-up, not one per slightly slower frame.
	 */
	std::optional<GstClockTime> update(GstClockTime measuredNs);
	/** \brief What was reported so far (0: nothing yet). */
	GstClockTime reported() const { return reported_; }
	/** \brief Forget it (a new stream). */
	void reset() { reported_ = 0; }

private:
	std::atomic<GstClockTime> reported_{ 0 };
};

} /* namespace dmabufkit::gstv4l2 */

/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "device_latency.h"

namespace dmabufkit::gstv4l2 {

std::optional<GstClockTime> DeviceLatency::update(GstClockTime measuredNs)
{
	if (measuredNs <= reported_)
		return std::nullopt;
	const GstClockTime report =
		(measuredNs * 5 / 4 + GST_MSECOND - 1) / GST_MSECOND * GST_MSECOND;
	reported_ = report;
	return report;
}

} /* namespace dmabufkit::gstv4l2 */

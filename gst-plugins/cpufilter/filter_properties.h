/* SPDX-License-Identifier: LGPL-2.1-or-later */
/**
 * \file filter_properties.h
 * \brief dmabufcpufilter's properties: their ids, specs (names, blurbs,
 * defaults) and the settings they hold, apart from the element's streaming
 * logic. The read-only stats and pool-stats are answered by the element.
 */
#pragma once

#include <string>

#include <dmabufkit/dbk_fence_wait.h>
#include <gst/gst.h>

#include "caps_negotiation.h"
#include "kernels/frame_ops.h"

namespace dmabufkit::cpufilter {

/** \brief Property ids of dmabufcpufilter. */
enum {
	PROP_0,
	PROP_OPERATION,
	PROP_SCALE_METHOD,
	PROP_N_THREADS,
	PROP_USE_SIMD,
	PROP_EXPORTER,
	PROP_SNAPSHOT_LOCATION,
	PROP_SNAPSHOT_INTERVAL,
	PROP_STATS,
	PROP_POOL_STATS,
	PROP_FENCE_TIMEOUT,
};

/** \brief The values of the writable properties (the element guards them with its object lock). */
struct FilterSettings {
	Operation op = Operation::Convert;
	ScaleMethod scaleMethod = ScaleMethod::Bilinear;
	guint threads = 0;
	bool simd = true;
	std::string exporter = "auto";
	std::string snapshotLocation;
	guint snapshotInterval = 0;
	gint fenceTimeoutMs = DBK_FENCE_TIMEOUT_DEFAULT_MS;
};

/** \brief Install every property of the element, stats and pool-stats included. */
void installFilterProperties(GObjectClass *oc);

/** \brief Store \a value for property \a id; false when \a id is not a setting. */
bool setFilterSetting(FilterSettings &s, guint id, const GValue *value);

/** \brief Read property \a id into \a value; false when \a id is not a setting. */
bool getFilterSetting(const FilterSettings &s, guint id, GValue *value);

} /* namespace dmabufkit::cpufilter */

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The elements' "stats" structures, and the consumers' merged constraints. */
#pragma once

#include <string>
#include <vector>

#include <gst/gst.h>

#include "ipc_server.h"

namespace dmabufkit::ipc {

/** \brief The consumers' constraints merged, as a string ("" for none or a conflict). */
std::string mergedConstraints(const std::vector<Constraints> &wire);

/** \brief dmabufipcsink's "dmabufipcsink-stats" (a stopped sink: all zero). */
GstStructure *sinkStatsStructure(const ServerStats &s, const std::vector<ClientStats> &clients,
				 const std::string &constraints);

} /* namespace dmabufkit::ipc */

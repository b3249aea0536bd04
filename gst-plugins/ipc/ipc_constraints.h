/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* DbkConstraints <-> the wire's Constraints message. */
#pragma once

#include <vector>

#include <dmabufkit/dbk_constraints.h>

#include "wire_protocol.h"

namespace dmabufkit::ipc {

/** \brief \a c as a Constraints message. */
Constraints toWire(const DbkConstraints &c);
/** \brief A Constraints message (validated by decode()) as DbkConstraints. */
DbkConstraints fromWire(const Constraints &w);
/** \brief State every consumer's constraints in the ALLOCATION \a query (the producer's
 *  pool merges them, refused and accepted exporters included). */
void addToQuery(GstQuery *query, const std::vector<Constraints> &consumers);

} /* namespace dmabufkit::ipc */

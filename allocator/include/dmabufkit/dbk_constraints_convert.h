/* SPDX-License-Identifier: LGPL-2.1-or-later */
/**
 * \file dbk_constraints_convert.h
 * \brief C++ only: between the C API's DbkConstraints and the core's Constraints,
 *        for elements that learn constraints with the C++ core (import probes).
 */
#pragma once

#include "dmabufkit/core/constraints.h"
#include "dmabufkit/dbk_constraints.h"

namespace dmabufkit::gst {

/** \brief The core form of \a c. */
Constraints toCore(const DbkConstraints &c);
/** \brief Fill \a out (initialised here) from \a c. */
void fromCore(const Constraints &c, DbkConstraints *out);

} /* namespace dmabufkit::gst */

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Conversions between the C API's DbkConstraints and the core's Constraints. */
#pragma once

#include "dmabufkit/core/constraints.h"
#include "dmabufkit/dbk_constraints.h"

namespace dmabufkit::gst {

Constraints toCore(const DbkConstraints &c);
void fromCore(const Constraints &c, DbkConstraints *out);

} /* namespace dmabufkit::gst */

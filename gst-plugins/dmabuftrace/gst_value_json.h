/* SPDX-License-Identifier: LGPL-2.1-or-later */
/**
 * \file gst_value_json.h
 * \brief GValues and GstStructures as JSON: element properties and the
 * stats structures of the protocol's "graph" and "stats" lines.
 */
#pragma once

#include <gst/gst.h>

#include "json_writer.h"

namespace dmabufkit::dmabuftrace {

/** \brief Numbers and booleans as such, structures as objects, the rest serialized (truncated). */
void writeGValue(JsonWriter &w, const GValue *v);

/** \brief \a s as an object: "name" first, then its fields. */
void writeStructure(JsonWriter &w, const GstStructure *s);

} /* namespace dmabufkit::dmabuftrace */

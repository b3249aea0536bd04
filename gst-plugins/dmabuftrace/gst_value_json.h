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

/** \brief Strings and serialized values are cut after this many bytes... */
constexpr size_t kMaxValueChars = 256;
/** \brief ...except allocation decisions (names containing "decision"): the
 * refusal reasons at their end are what the viewer's findings explain. */
constexpr size_t kMaxDecisionChars = 4096;
/** \brief The limit for a property or field named \a name. */
size_t valueLimitFor(const char *name);

/** \brief Numbers and booleans as such, structures as objects, the rest
 * serialized, cut after \a maxChars bytes. */
void writeGValue(JsonWriter &w, const GValue *v, size_t maxChars = kMaxValueChars);

/** \brief \a s as an object: "name" first, then its fields. */
void writeStructure(JsonWriter &w, const GstStructure *s);

} /* namespace dmabufkit::dmabuftrace */

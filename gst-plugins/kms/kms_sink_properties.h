/* SPDX-License-Identifier: LGPL-2.1-or-later */
/**
 * \file kms_sink_properties.h
 * \brief dmabufkmssink's GObject properties: settings, counters, the last
 *        writeback capture.
 */
#pragma once

#include <gst/gst.h>

#include "gstdmabufkmssink.h"

/** \brief Install every property (and the GstVideoOverlay ones) on \a oc. */
void kms_sink_install_properties(GObjectClass *oc);
void kms_sink_set_property(GObject *object, guint id, const GValue *value, GParamSpec *pspec);
void kms_sink_get_property(GObject *object, guint id, GValue *value, GParamSpec *pspec);

/** \brief A new dmabufkmssink-stats structure with the counters now. */
GstStructure *kms_sink_collect_stats(GstDmabufKmsSink *self);

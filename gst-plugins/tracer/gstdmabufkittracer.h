/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

#define GST_TYPE_DMABUFKIT_TRACER (gst_dmabufkit_tracer_get_type())
G_DECLARE_FINAL_TYPE(GstDmabufkitTracer, gst_dmabufkit_tracer, GST, DMABUFKIT_TRACER, GstTracer)

G_END_DECLS

/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

#define GST_TYPE_DMABUF_TRACE (gst_dmabuf_trace_get_type())
G_DECLARE_FINAL_TYPE(GstDmabufTrace, gst_dmabuf_trace, GST, DMABUF_TRACE, GstTracer)

G_END_DECLS

/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gst/base/gstbasesink.h>

G_BEGIN_DECLS

#define GST_TYPE_DMABUF_IPC_SINK (gst_dmabuf_ipc_sink_get_type())
G_DECLARE_FINAL_TYPE(GstDmabufIpcSink, gst_dmabuf_ipc_sink, GST, DMABUF_IPC_SINK, GstBaseSink)

G_END_DECLS

/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gst/base/gstpushsrc.h>

G_BEGIN_DECLS

#define GST_TYPE_DMABUF_IPC_SRC (gst_dmabuf_ipc_src_get_type())
G_DECLARE_FINAL_TYPE(GstDmabufIpcSrc, gst_dmabuf_ipc_src, GST, DMABUF_IPC_SRC, GstPushSrc)

G_END_DECLS

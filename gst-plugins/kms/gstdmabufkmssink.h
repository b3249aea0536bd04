/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gst/video/gstvideosink.h>

G_BEGIN_DECLS

#define GST_TYPE_DMABUF_KMS_SINK (gst_dmabuf_kms_sink_get_type())
G_DECLARE_FINAL_TYPE(GstDmabufKmsSink, gst_dmabuf_kms_sink, GST, DMABUF_KMS_SINK, GstVideoSink)

G_END_DECLS

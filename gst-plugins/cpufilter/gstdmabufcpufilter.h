/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gst/base/gstbasetransform.h>

G_BEGIN_DECLS

#define GST_TYPE_DMABUF_CPU_FILTER (gst_dmabuf_cpu_filter_get_type())
G_DECLARE_FINAL_TYPE(GstDmabufCpuFilter, gst_dmabuf_cpu_filter, GST, DMABUF_CPU_FILTER,
		     GstBaseTransform)

#define GST_TYPE_DMABUF_CPU_FILTER_OPERATION (gst_dmabuf_cpu_filter_operation_get_type())
GType gst_dmabuf_cpu_filter_operation_get_type(void);

#define GST_TYPE_DMABUF_CPU_FILTER_SCALE_METHOD (gst_dmabuf_cpu_filter_scale_method_get_type())
GType gst_dmabuf_cpu_filter_scale_method_get_type(void);

G_END_DECLS

/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gst/base/gstpushsrc.h>

G_BEGIN_DECLS

#define GST_TYPE_DMABUF_V4L2_SRC (gst_dmabuf_v4l2_src_get_type())
G_DECLARE_FINAL_TYPE(GstDmabufV4l2Src, gst_dmabuf_v4l2_src, GST, DMABUF_V4L2_SRC, GstPushSrc)

/**
 * GstDmabufV4l2IoMode:
 * @GST_DMABUF_V4L2_IO_MODE_AUTO: import into downstream's dma-buf pool when it
 *   offers one, else export
 * @GST_DMABUF_V4L2_IO_MODE_EXPORT: driver buffers (MMAP) exported as dma-bufs
 * @GST_DMABUF_V4L2_IO_MODE_IMPORT: the driver fills dma-bufs of downstream's
 *   pool or of our own (V4L2_MEMORY_DMABUF)
 */
typedef enum {
	GST_DMABUF_V4L2_IO_MODE_AUTO,
	GST_DMABUF_V4L2_IO_MODE_EXPORT,
	GST_DMABUF_V4L2_IO_MODE_IMPORT,
} GstDmabufV4l2IoMode;

GType gst_dmabuf_v4l2_io_mode_get_type(void);
#define GST_TYPE_DMABUF_V4L2_IO_MODE (gst_dmabuf_v4l2_io_mode_get_type())

G_END_DECLS

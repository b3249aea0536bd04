/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "pad_frames.h"

#include <cstring>
#include <sys/stat.h>

#include <gst/allocators/allocators.h>

namespace dmabufkit::test {

uint64_t inodeOf(GstBuffer *buf)
{
	GstMemory *m = gst_buffer_n_memory(buf) ? gst_buffer_peek_memory(buf, 0) : nullptr;
	struct stat st;
	if (!m || !gst_is_dmabuf_memory(m) || fstat(gst_dmabuf_memory_get_fd(m), &st) != 0)
		return 0;
	return st.st_ino;
}

GstPadProbeReturn recordFrame(GstPad *pad, GstPadProbeInfo *pi, gpointer data)
{
	auto *f = static_cast<Frames *>(data);
	GstBuffer *buf = GST_PAD_PROBE_INFO_BUFFER(pi);
	std::lock_guard<std::mutex> g(f->lock);
	GstCaps *caps = gst_pad_get_current_caps(pad);
	if (caps) {
		gst_video_info_from_caps(&f->info, caps);
		gst_caps_unref(caps);
	}
	f->inodes.push_back(inodeOf(buf));
	f->pts.push_back(GST_BUFFER_PTS(buf));
	f->buffers.push_back(buf);
	GstVideoFrame vf;
	if (!gst_video_frame_map(&vf, &f->info, buf, GST_MAP_READ)) {
		f->unmappable++;
		f->pixels.emplace_back();
		return GST_PAD_PROBE_OK;
	}
	const int w = GST_VIDEO_FRAME_WIDTH(&vf), h = GST_VIDEO_FRAME_HEIGHT(&vf);
	const int rowBytes = w * GST_VIDEO_FRAME_COMP_PSTRIDE(&vf, 0);
	std::vector<uint8_t> px(size_t(rowBytes) * h);
	for (int y = 0; y < h; ++y)
		memcpy(px.data() + size_t(y) * rowBytes,
		       static_cast<const uint8_t *>(GST_VIDEO_FRAME_PLANE_DATA(&vf, 0)) +
			       size_t(y) * GST_VIDEO_FRAME_PLANE_STRIDE(&vf, 0),
		       rowBytes);
	gst_video_frame_unmap(&vf);
	f->pixels.push_back(std::move(px));
	return GST_PAD_PROBE_OK;
}

void recordFramesInto(GstElement *pipeline, const char *element, Frames *frames)
{
	GstElement *e = gst_bin_get_by_name(GST_BIN(pipeline), element);
	g_assert(e);
	GstPad *pad = gst_element_get_static_pad(e, "sink");
	gst_pad_add_probe(pad, GST_PAD_PROBE_TYPE_BUFFER, recordFrame, frames, nullptr);
	gst_object_unref(pad);
	gst_object_unref(e);
}

} /* namespace dmabufkit::test */

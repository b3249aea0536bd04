/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "kms_sink_import.h"

#include <gst/allocators/allocators.h>

#include "kms_format.h"
#include "kms_import_decision.h"
#include "kms_sink_private.h"

#define GST_CAT_DEFAULT dmabuf_kms_sink_debug

using namespace dmabufkit;
using namespace dmabufkit::kms;

namespace {

struct FbQdata {
	std::shared_ptr<FramebufferCache> cache;
	uint64_t inode;
};

} /* namespace */

static void fb_qdata_free(gpointer data)
{
	auto *q = static_cast<FbQdata *>(data);
	q->cache->forget(q->inode);
	delete q;
}

Result<uint32_t> kms_sink_import_buffer(GstDmabufKmsSink *self, GstBuffer *buf, bool ours)
{
	KmsSinkState *st = self->state;
	const GstVideoInfo &info = st->info;
	const PixelFormatInfo *pf = st->pixelFormat;
	GstVideoMeta *meta = gst_buffer_get_video_meta(buf);
	FrameImport fi;
	fi.fourcc = st->fourcc;
	fi.width = GST_VIDEO_INFO_WIDTH(&info);
	fi.height = GST_VIDEO_INFO_HEIGHT(&info);
	fi.planes = GST_VIDEO_INFO_N_PLANES(&info);
	GstMemory *mems[4] = {};
	std::vector<PlaneSource> planes(fi.planes);
	for (unsigned p = 0; p < fi.planes; ++p) {
		PlaneSource &ps = planes[p];
		gsize offset = meta ? meta->offset[p] : GST_VIDEO_INFO_PLANE_OFFSET(&info, p);
		gint stride = meta ? meta->stride[p] : GST_VIDEO_INFO_PLANE_STRIDE(&info, p);
		ps.offset = offset;
		ps.stride = stride;
		guint idx = 0, len = 0;
		gsize skip = 0;
		ps.located =
			stride > 0 && gst_buffer_find_memory(buf, offset, 1, &idx, &len, &skip);
		if (!ps.located)
			break; /* decideImport stops at this plane */
		GstMemory *mem = gst_buffer_peek_memory(buf, idx);
		ps.dmaBuf = gst_is_dmabuf_memory(mem);
		ps.memoryType = mem->allocator ? mem->allocator->mem_type : "none";
		ps.skip = skip;
		ps.memorySize = mem->size;
		ps.rows = pf ? pf->planeHeight(p, fi.height) : fi.height;
		ps.rowBytes = pf ? pf->packedStride(p, fi.width) : uint64_t(stride);
		if (!ps.dmaBuf)
			break;
		/* A memory imported before carries its inode in our qdata: asking
		 * the fd again (fstatfs, fstat, 2 lseek for foreign memory) would
		 * cost four syscalls per plane on every frame. */
		auto *known = static_cast<FbQdata *>(
			gst_mini_object_get_qdata(GST_MINI_OBJECT_CAST(mem), st->fbQuark));
		ps.cached = known != nullptr;
		fi.fds[p] = gst_dmabuf_memory_get_fd(mem);
		fi.inodes[p] = known ? known->inode : dbk_memory_get_inode(mem);
		fi.offsets[p] = uint32_t(mem->offset + skip);
		fi.pitches[p] = uint32_t(stride);
		mems[p] = mem;
	}
	const ImportDecision d = decideImport(planes, ours ? 0 : st->injectedImportError);
	if (!d.import()) {
		GST_LOG_OBJECT(self, "cannot import %" GST_PTR_FORMAT ": %s", buf,
			       d.reason.c_str());
		return Error{ d.error, d.reason };
	}
	GST_LOG_OBJECT(self, "importing %s %ux%u (%s)", fourccName(fi.fourcc).c_str(), fi.width,
		       fi.height, d.reason.c_str());
	bool hit = false;
	auto fb = st->cache->get(fi, &hit);
	if (fb && !hit) {
		for (unsigned p = 0; p < fi.planes; ++p) {
			GstMiniObject *mo = GST_MINI_OBJECT_CAST(mems[p]);
			if (!gst_mini_object_get_qdata(mo, st->fbQuark))
				gst_mini_object_set_qdata(mo, st->fbQuark,
							  new FbQdata{ st->cache, fi.inodes[p] },
							  fb_qdata_free);
		}
	}
	return fb;
}

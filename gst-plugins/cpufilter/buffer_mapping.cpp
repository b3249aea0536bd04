/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "buffer_mapping.h"

#include <cerrno>

#include <gst/allocators/allocators.h>

namespace dmabufkit::cpufilter {

namespace {

GQuark importQuark()
{
	static GQuark q = g_quark_from_static_string("dbk-cpufilter-import");
	return q;
}

void unrefMemory(gpointer mem)
{
	gst_memory_unref(static_cast<GstMemory *>(mem));
}

/* Our import of \a foreign, made on first use and kept for its life. */
Result<GstMemory *> importOf(DbkAllocator *importer, GstMemory *foreign)
{
	auto *mini = GST_MINI_OBJECT_CAST(foreign);
	if (auto *mem = static_cast<GstMemory *>(gst_mini_object_get_qdata(mini, importQuark())))
		return mem;
	GError *error = nullptr;
	GstMemory *mem =
		dbk_allocator_import(importer, gst_dmabuf_memory_get_fd(foreign), FALSE, &error);
	if (!mem) {
		Error err{ EIO, std::string("importing dma-buf fd ") +
					std::to_string(gst_dmabuf_memory_get_fd(foreign)) + ": " +
					error->message };
		g_error_free(error);
		return err;
	}
	/* Freed with the foreign memory, before it closes the fd. */
	gst_mini_object_set_qdata(mini, importQuark(), mem, unrefMemory);
	return mem;
}

} /* namespace */

gsize frameBytes(const GstVideoInfo &info)
{
	return GST_VIDEO_INFO_SIZE(&info);
}

Result<const BufferMapping::Mapped *> BufferMapping::mapMemory(GstBuffer *buf, guint index,
							       GstMapFlags flags)
{
	for (const auto &m : maps_)
		if (m.index == index)
			return &m;
	GstMemory *mem = gst_buffer_peek_memory(buf, index);
	Mapped m{ index, mem, {}, 0, mem->size };
	if (gst_is_dmabuf_memory(mem)) {
		dmabuf_ = true;
		if (importer_ && !dbk_memory_is_dbk(mem)) {
			auto import = importOf(importer_, mem);
			if (!import)
				return import.error();
			GstMemory *imported = *import;
			if (mem->offset + mem->size > imported->size)
				return Error{ EIO, "dma-buf memory (offset " +
							   std::to_string(mem->offset) + ", size " +
							   std::to_string(mem->size) +
							   ") is larger than its dma-buf (" +
							   std::to_string(imported->size) +
							   " bytes)" };
			m.mem = imported;
			m.offset = mem->offset;
		}
	}
	if (!gst_memory_map(m.mem, &m.info, flags))
		return Error{ EIO, std::string("gst_memory_map(") +
					   ((flags & GST_MAP_WRITE) ? "WRITE" : "READ") +
					   ") of memory " + std::to_string(index) + " (" +
					   (m.mem->allocator ? GST_OBJECT_NAME(m.mem->allocator)
							     : "no allocator") +
					   ") failed" };
	maps_.push_back(m);
	return static_cast<const Mapped *>(&maps_.back());
}

Result<FrameView> BufferMapping::map(GstBuffer *buf, const GstVideoInfo &info, KernelFormat format,
				     GstMapFlags flags)
{
	unmap();
	maps_.reserve(4);
	FrameView view;
	view.format = format;
	view.width = GST_VIDEO_INFO_WIDTH(&info);
	view.height = GST_VIDEO_INFO_HEIGHT(&info);
	const GstVideoMeta *meta = gst_buffer_get_video_meta(buf);
	const gsize total = gst_buffer_get_size(buf);
	for (int p = 0; p < planeCount(format); ++p) {
		const gsize offset = meta ? meta->offset[p] : GST_VIDEO_INFO_PLANE_OFFSET(&info, p);
		const gint stride = meta ? meta->stride[p] : GST_VIDEO_INFO_PLANE_STRIDE(&info, p);
		const gsize rowBytes = view.planeRowBytes(p);
		const gsize rows = static_cast<gsize>(view.planeHeight(p));
		if (stride < 0 || static_cast<gsize>(stride) < rowBytes)
			return Error{ kBadInput, "plane " + std::to_string(p) + " stride " +
							 std::to_string(stride) +
							 " is smaller than a row (" +
							 std::to_string(rowBytes) + " bytes)" };
		guint idx = 0, len = 0;
		gsize skip = 0;
		if (offset >= total || !gst_buffer_find_memory(buf, offset, 1, &idx, &len, &skip)) {
			return Error{ kBadInput,
				      "buffer of " + std::to_string(total) +
					      " bytes holds no plane " + std::to_string(p) +
					      " at offset " + std::to_string(offset) + " (a " +
					      std::to_string(view.width) + "x" +
					      std::to_string(view.height) + " " +
					      kernelFormatName(format) + " frame needs " +
					      std::to_string(frameBytes(info)) + " bytes)" };
		}
		auto mapped = mapMemory(buf, idx, flags);
		if (!mapped)
			return mapped.error();
		const Mapped *m = *mapped;
		const gsize need = skip + static_cast<gsize>(stride) * (rows - 1) + rowBytes;
		if (need > m->size) {
			unmap();
			return Error{ kBadInput, "plane " + std::to_string(p) + " needs " +
							 std::to_string(need) +
							 " bytes of memory " + std::to_string(idx) +
							 ", which has " + std::to_string(m->size) };
		}
		view.data[p] = m->info.data + m->offset + skip;
		view.stride[p] = stride;
	}
	return view;
}

void BufferMapping::unmap()
{
	for (auto &m : maps_)
		gst_memory_unmap(m.mem, &m.info);
	maps_.clear();
}

} /* namespace dmabufkit::cpufilter */

/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "ipc_constraints.h"

namespace dmabufkit::ipc {

Constraints toWire(const DbkConstraints &c)
{
	Constraints w;
	w.consumer = c.consumer;
	w.flags = (c.cpu_mappable ? uint32_t(Constraints::CpuMappable) : 0u) |
		  (c.contiguous ? uint32_t(Constraints::Contiguous) : 0u) |
		  (c.scanout ? uint32_t(Constraints::Scanout) : 0u) |
		  (c.packed_stride ? uint32_t(Constraints::PackedStride) : 0u);
	w.strideAlign = c.stride_align ? c.stride_align : 1;
	w.offsetAlign = c.offset_align ? c.offset_align : 1;
	w.memoryLayout = uint32_t(c.memory_layout);
	w.maxSize = c.max_size;
	return w;
}

DbkConstraints fromWire(const Constraints &w)
{
	DbkConstraints c;
	dbk_constraints_init(&c, w.consumer.c_str());
	c.cpu_mappable = (w.flags & Constraints::CpuMappable) != 0;
	c.contiguous = (w.flags & Constraints::Contiguous) != 0;
	c.scanout = (w.flags & Constraints::Scanout) != 0;
	c.packed_stride = (w.flags & Constraints::PackedStride) != 0;
	c.stride_align = w.strideAlign;
	c.offset_align = w.offsetAlign;
	c.memory_layout = DbkMemoryLayout(w.memoryLayout);
	c.max_size = w.maxSize;
	return c;
}

} /* namespace dmabufkit::ipc */

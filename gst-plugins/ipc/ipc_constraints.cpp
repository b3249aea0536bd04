/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "ipc_constraints.h"

#include "dmabufkit/base/log.h"
#include "dmabufkit/dbk_constraints_convert.h"

namespace dmabufkit::ipc {

namespace {

/* What decode() on the other side accepts; anything else would make the
 * producer drop this consumer, so it is left out here, logged. */
bool fits(const std::string &exporter, const std::string &consumer, size_t count)
{
	if (count >= kMaxExporters) {
		DBK_LOG(Ipc, Warning, "%s: more than %u exporters to state; \"%s\" left out",
			consumer.c_str(), kMaxExporters, exporter.c_str());
		return false;
	}
	if (exporter.empty() || exporter.size() > kMaxExporterLength ||
	    exporter.find_first_of("\t\n,") != std::string::npos) {
		DBK_LOG(Ipc, Warning,
			"%s: exporter name \"%s\" empty, too long or has a separator; left out",
			consumer.c_str(), exporter.c_str());
		return false;
	}
	return true;
}

} /* namespace */

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
	/* The C struct's "exporter<TAB>reason" lines and comma list, parsed once. */
	const dmabufkit::Constraints core = gst::toCore(c);
	for (const dmabufkit::ExporterRefusal &r : core.refusedExporters)
		if (fits(r.exporter, w.consumer, w.refusedExporters.size()))
			w.refusedExporters.push_back(
				{ r.exporter, r.reason.substr(0, kMaxReasonLength) });
	for (const std::string &a : core.acceptedExporters)
		if (fits(a, w.consumer, w.acceptedExporters.size()))
			w.acceptedExporters.push_back(a);
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
	for (const ExporterRefusal &r : w.refusedExporters)
		dbk_constraints_add_refusal(&c, r.exporter.c_str(), r.reason.c_str());
	for (const std::string &a : w.acceptedExporters)
		dbk_constraints_add_accepted(&c, a.c_str());
	return c;
}

void addToQuery(GstQuery *query, const std::vector<Constraints> &consumers)
{
	for (const Constraints &w : consumers) {
		DbkConstraints c = fromWire(w);
		dbk_query_add_constraints(query, &c);
	}
}

} /* namespace dmabufkit::ipc */

/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "dmabufkit/v4l2/import_refusal.h"

#include <cerrno>

namespace dmabufkit::v4l2 {

namespace {

/* What vb2 checks when a dma-buf is queued, plane by plane (videobuf2-core:
 * __prepare_dmabuf and __verify_length), worded against the numbers. */
std::string planeMismatches(unsigned p, const QueuedImportPlane &q, const PlaneFormat &need,
			    bool output)
{
	std::string bad;
	auto add = [&](const std::string &s) { bad += (bad.empty() ? "" : "; ") + s; };
	const std::string plane = "plane " + std::to_string(p) + ": ";
	const uint64_t usable = q.length ? q.length : q.dmabufSize;
	if (need.sizeImage && usable && usable < need.sizeImage)
		add(plane + "the buffer (" + std::to_string(usable) +
		    " bytes) is smaller than sizeimage " + std::to_string(need.sizeImage));
	if (q.dmabufSize && q.length > q.dmabufSize)
		add(plane + "length " + std::to_string(q.length) + " is beyond the dma-buf's " +
		    std::to_string(q.dmabufSize) + " bytes");
	if (output && q.bytesUsed > usable)
		add(plane + "bytesused " + std::to_string(q.bytesUsed) + " is larger than the " +
		    std::to_string(usable) + " bytes of the buffer");
	if (q.dataOffset && q.dataOffset >= (q.bytesUsed ? q.bytesUsed : usable))
		add(plane + "data_offset " + std::to_string(q.dataOffset) +
		    " is not below bytesused " + std::to_string(q.bytesUsed));
	return bad;
}

} /* namespace */

std::string explainImportRefusal(int code, const std::vector<QueuedImportPlane> &queued,
				 const DeviceFormat &needs, bool output)
{
	std::string text;
	if (code == EFAULT)
		text = ": the device could not map the dma-buf; devices without an IOMMU "
		       "(vb2-dma-contig) need physically contiguous memory (a CMA heap)";
	else if (code == EINVAL)
		text = ": the device refused the dma-buf's layout";

	text += "; queued " + std::to_string(queued.size()) + " plane" +
		(queued.size() == 1 ? "" : "s");
	for (size_t p = 0; p < queued.size(); ++p) {
		const QueuedImportPlane &q = queued[p];
		text += std::string(p ? ", " : " (") + "plane " + std::to_string(p) + ": dma-buf " +
			(q.dmabufSize ? std::to_string(q.dmabufSize) + " bytes" : "size unknown") +
			", length " + std::to_string(q.length) + ", bytesused " +
			std::to_string(q.bytesUsed) + ", data_offset " +
			std::to_string(q.dataOffset);
	}
	if (!queued.empty())
		text += ")";
	text += " against a format of " + std::to_string(needs.numPlanes) + " plane" +
		(needs.numPlanes == 1 ? "" : "s");
	for (unsigned p = 0; p < needs.numPlanes && p < needs.planes.size(); ++p)
		text += std::string(p ? ", " : " (") + "plane " + std::to_string(p) +
			": sizeimage " + std::to_string(needs.planes[p].sizeImage) +
			", bytesperline " + std::to_string(needs.planes[p].bytesPerLine);
	if (needs.numPlanes)
		text += ")";

	std::string bad;
	if (queued.size() != needs.numPlanes)
		bad = "the plane count differs (" + std::to_string(queued.size()) + " queued, " +
		      std::to_string(needs.numPlanes) + " needed)";
	for (size_t p = 0; p < queued.size() && p < needs.numPlanes; ++p) {
		std::string m = planeMismatches(static_cast<unsigned>(p), queued[p],
						needs.planes[p], output);
		if (!m.empty())
			bad += (bad.empty() ? "" : "; ") + m;
	}
	if (!bad.empty())
		text += ": " + bad;
	else if (code == EINVAL)
		text += ": sizes, offsets and plane count fit, so the driver refused the "
			"memory itself (alignment or contiguity)";
	return text;
}

} /* namespace dmabufkit::v4l2 */

/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "dmabufkit/v4l2/import_capability.h"

#include <fstream>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "dmabufkit/base/log.h"
#include "dmabufkit/v4l2/buffer_queue.h"

namespace dmabufkit::v4l2 {

namespace {

/* Queue the planes once on a fresh DMABUF queue, then free it: vb2 maps (and
 * checks) an imported dma-buf at QBUF, so this is the device's verdict. */
Result<void> queueOnce(const VideoDevice &device, uint32_t type,
		       const std::vector<const DmaBuf *> &planes, const std::vector<uint64_t> &used)
{
	BufferQueue q(device, type);
	if (auto n = q.allocate(1, V4L2_MEMORY_DMABUF); !n)
		return n.error();
	std::vector<DmaBufPlane> in;
	/* bytesused is the format's plane size: a heap rounds the dma-buf up to
	 * whole pages, and vb2 refuses a payload beyond the plane it set up. */
	for (size_t i = 0; i < planes.size(); ++i)
		in.push_back({ planes[i]->fd(), static_cast<uint32_t>(planes[i]->size()),
			       static_cast<uint32_t>(used[i]), 0 });
	auto r = q.queueDmaBuf(0, in);
	(void)q.release();
	return r;
}

std::string sysfsDevice(const VideoDevice &device)
{
	struct stat st;
	if (stat(device.path().c_str(), &st) < 0)
		return {};
	return "/sys/dev/char/" + std::to_string(major(st.st_rdev)) + ":" +
	       std::to_string(minor(st.st_rdev)) + "/device";
}

} /* namespace */

std::string dmaFacts(const VideoDevice &device)
{
	const std::string dir = sysfsDevice(device);
	if (dir.empty())
		return "no sysfs entry";
	std::string facts = access((dir + "/iommu_group").c_str(), F_OK) == 0
				    ? "behind an IOMMU"
				    : "no IOMMU (sysfs has no iommu_group)";
	std::ifstream mask(dir + "/dma_mask_bits");
	unsigned bits = 0;
	if (mask >> bits)
		facts += ", DMA mask " + std::to_string(bits) + " bits";
	return facts;
}

ImportCapability importCapability(const VideoDevice &device, uint32_t type, const DeviceFormat &fmt)
{
	struct stat st = {};
	(void)stat(device.path().c_str(), &st);
	const unsigned planes = isMultiPlanarType(type) ? fmt.numPlanes : 1;
	/* The format class: contiguity and plane count do not change with the
	 * frame size, so one probe serves every size on this queue. */
	const std::string key = "v4l2:" + std::to_string(major(st.st_rdev)) + ":" +
				std::to_string(minor(st.st_rdev)) + ":" + bufferTypeName(type) +
				":" + std::to_string(planes);
	const std::string who = device.path() + " (" + device.info().name + ") " +
				(isOutputType(type) ? "OUTPUT" : "CAPTURE");
	return ImportCapabilityCache::instance().get(key, [&] {
		std::vector<uint64_t> sizes;
		for (unsigned p = 0; p < planes; ++p)
			sizes.push_back(fmt.planes[p].sizeImage);
		ExporterRegistry registry;
		ImportCapability cap = probeImports(
			registry, who, sizes, [&](const std::vector<const DmaBuf *> &bufs) {
				return queueOnce(device, type, bufs, sizes);
			});
		cap.kernelFacts = dmaFacts(device);
		DBK_LOG(V4l2, Info, "%s: can import: %s", device.label(), cap.summary().c_str());
		return cap;
	});
}

} /* namespace dmabufkit::v4l2 */

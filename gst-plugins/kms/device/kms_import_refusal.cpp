/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "kms_import_refusal.h"

#include "dmabufkit/base/pixel_format.h"

namespace dmabufkit::kms {

std::string describeFramebufferNeeds(const FramebufferLayout &fb)
{
	const PixelFormatInfo *info = findPixelFormatByDrm(fb.fourcc);
	std::string text = fourccName(fb.fourcc) + " " + std::to_string(fb.width) + "x" +
			   std::to_string(fb.height);
	std::string bad;
	auto add = [&](const std::string &s) { bad += (bad.empty() ? "" : "; ") + s; };
	if (!info || info->tiled)
		add("the format's layout is unknown here, so only the numbers are given");
	else if (fb.planes != info->planes)
		add(std::to_string(fb.planes) + " planes given, the format has " +
		    std::to_string(info->planes));
	for (unsigned p = 0; p < fb.planes && p < fb.pitches.size(); ++p) {
		const std::string plane = "plane " + std::to_string(p);
		text += ", " + plane + ": pitch " + std::to_string(fb.pitches[p]);
		uint32_t minPitch = 0;
		uint64_t needSize = 0;
		const bool known = info && !info->tiled && p < info->planes;
		if (known) {
			minPitch = info->packedStride(p, fb.width);
			const uint32_t rows = info->planeHeight(p, fb.height);
			needSize = uint64_t(fb.offsets[p]) +
				   (rows ? uint64_t(fb.pitches[p]) * (rows - 1) + minPitch : 0);
			text += " (needs at least " + std::to_string(minPitch) + ")";
		}
		text += ", offset " + std::to_string(fb.offsets[p]);
		if (fb.dmabufSizes[p])
			text += ", dma-buf " + std::to_string(fb.dmabufSizes[p]) + " bytes";
		if (known)
			text += " (needs at least " + std::to_string(needSize) + ")";
		if (known && fb.pitches[p] < minPitch)
			add(plane + " pitch " + std::to_string(fb.pitches[p]) +
			    " is smaller than a row of " + std::to_string(fb.width) + " pixels (" +
			    std::to_string(minPitch) + " bytes)");
		if (known && fb.dmabufSizes[p] && fb.dmabufSizes[p] < needSize)
			add(plane + " ends at byte " + std::to_string(needSize) +
			    ", beyond the dma-buf's " + std::to_string(fb.dmabufSizes[p]) +
			    " bytes");
	}
	if (!bad.empty())
		text += ": " + bad;
	return text;
}

} /* namespace dmabufkit::kms */

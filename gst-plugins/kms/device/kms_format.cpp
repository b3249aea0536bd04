/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "kms_format.h"

#include <algorithm>

namespace dmabufkit::kms {

std::string_view gstFormatForDrm(uint32_t fourcc)
{
	const PixelFormatInfo *f = findPixelFormatByDrm(fourcc);
	return f ? f->name : std::string_view();
}

uint32_t drmFormatForGst(std::string_view name)
{
	const PixelFormatInfo *f = findPixelFormat(name);
	return f ? f->drmFourcc : 0;
}

std::vector<std::string> gstFormatsForPlane(const std::vector<uint32_t> &fourccs,
					    std::vector<uint32_t> *unmapped)
{
	std::vector<std::string> out;
	for (uint32_t f : fourccs) {
		std::string_view name = gstFormatForDrm(f);
		if (name.empty()) {
			if (unmapped)
				unmapped->push_back(f);
			continue;
		}
		if (std::find(out.begin(), out.end(), name) == out.end())
			out.emplace_back(name);
	}
	return out;
}

} /* namespace dmabufkit::kms */

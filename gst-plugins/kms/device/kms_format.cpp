/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "kms_format.h"

#include <algorithm>

#include "dmabufkit/base/pixel_format.h"

namespace dmabufkit::kms {

std::string_view gstFormatForDrm(uint32_t fourcc)
{
	if (!fourcc)
		return {};
	size_t n = 0;
	const PixelFormatInfo *all = pixelFormats(&n);
	for (size_t i = 0; i < n; ++i)
		if (all[i].drmFourcc == fourcc)
			return all[i].name;
	return {};
}

uint32_t drmFormatForGst(std::string_view name)
{
	const PixelFormatInfo *f = findPixelFormat(name);
	return f ? f->drmFourcc : 0;
}

std::string fourccName(uint32_t fourcc)
{
	std::string s;
	for (int i = 0; i < 4; ++i) {
		char c = static_cast<char>((fourcc >> (8 * i)) & 0xff);
		s += (c >= 0x20 && c < 0x7f) ? c : '?';
	}
	return s;
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

/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "dmabufkit/core/frame_layout.h"

#include <algorithm>
#include <cerrno>

#include "dmabufkit/base/log.h"

namespace dmabufkit {

namespace {

uint64_t alignUp(uint64_t v, uint64_t a)
{
	return a > 1 ? (v + a - 1) / a * a : v;
}

std::string owner(const Constraints &c)
{
	return c.consumer.empty() ? std::string() : " (required by " + c.consumer + ")";
}

} /* namespace */

Result<FrameLayout> computeFrameLayout(const PixelFormatInfo &format, uint32_t width,
				       uint32_t height, const Constraints &c,
				       const LayoutPadding &pad)
{
	if (width == 0 || height == 0)
		return Error{ EINVAL, "cannot lay out a zero-size frame (" + std::to_string(width) +
					      "x" + std::to_string(height) + ")" };
	if (format.tiled)
		return Error{ EINVAL, std::string(format.name) +
					      " is tiled: only linear layouts are computed" };
	if (c.packedStride && (pad.left || pad.right || pad.top || pad.bottom))
		return Error{ EINVAL,
			      "padding was requested but the stride must be packed" + owner(c) };
	const uint32_t fullWidth = width + pad.left + pad.right;
	const uint32_t fullHeight = height + pad.top + pad.bottom;

	FrameLayout l;
	l.planes = format.planes;
	l.perPlaneMemory = c.memoryLayout == MemoryLayout::PerPlane && format.planes > 1;

	uint64_t running = 0;
	for (unsigned p = 0; p < format.planes; ++p) {
		const uint32_t packed = format.packedStride(p, fullWidth);
		const uint32_t align =
			std::max<uint32_t>(c.strideAlign, pad.strideAlignMask[p] + 1);
		uint64_t stride = packed;
		if (c.packedStride) {
			if (packed % align)
				return Error{
					EINVAL,
					std::string(format.name) + " " + std::to_string(width) +
						"x" + std::to_string(height) + ": packed stride " +
						std::to_string(packed) + " of plane " +
						std::to_string(p) +
						" is not a multiple of the stride alignment " +
						std::to_string(align) + owner(c)
				};
		} else {
			stride = alignUp(packed, align);
		}
		if (stride > UINT32_MAX)
			return Error{ EINVAL, "stride overflow" };
		l.stride[p] = static_cast<uint32_t>(stride);

		const uint64_t rows = format.planeHeight(p, fullHeight);
		l.planeSize[p] = stride * rows;
		/* Where the visible picture starts inside the padded plane. */
		const uint64_t visibleOffset =
			format.planeHeight(p, pad.top) * stride + format.packedStride(p, pad.left);

		if (l.perPlaneMemory) {
			l.offset[p] = visibleOffset;
			l.memorySize[p] = l.planeSize[p];
			running += l.planeSize[p];
		} else {
			uint64_t start = alignUp(running, c.offsetAlign);
			if (c.packedStride && start != running)
				return Error{ EINVAL, "plane " + std::to_string(p) + " offset " +
							      std::to_string(running) +
							      " breaks the offset alignment " +
							      std::to_string(c.offsetAlign) +
							      " in a packed frame" + owner(c) };
			l.offset[p] = start + visibleOffset;
			running = start + l.planeSize[p];
		}
	}
	if (!l.perPlaneMemory)
		l.memorySize[0] = running;
	l.frameSize = running;
	if (c.maxSize &&
	    (l.perPlaneMemory ? *std::max_element(l.memorySize.begin(), l.memorySize.end())
			      : running) > c.maxSize)
		return Error{ EFBIG, "frame of " + std::to_string(running) +
					     " bytes exceeds max-size " +
					     std::to_string(c.maxSize) + owner(c) };
	std::string planes;
	for (unsigned p = 0; p < format.planes; ++p)
		planes += " plane " + std::to_string(p) + ": stride " +
			  std::to_string(l.stride[p]) + " offset " + std::to_string(l.offset[p]) +
			  " size " + std::to_string(l.planeSize[p]) + ";";
	DBK_LOG(Allocator, Debug, "%.*s %ux%u%s laid out in %s memor%s of %llu bytes:%s",
		static_cast<int>(format.name.size()), format.name.data(), width, height,
		owner(c).c_str(), l.perPlaneMemory ? "one" : "a single",
		l.perPlaneMemory ? "y per plane" : "y",
		static_cast<unsigned long long>(l.frameSize), planes.c_str());
	return l;
}

} /* namespace dmabufkit */

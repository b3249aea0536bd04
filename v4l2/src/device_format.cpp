/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "dmabufkit/v4l2/device_format.h"

#include <cstdio>

#include "dmabufkit/v4l2/device_finder.h"

namespace dmabufkit::v4l2 {

std::string DeviceFormat::toString() const
{
	char buf[128];
	std::snprintf(buf, sizeof(buf), "%s %ux%u", fourccName(fourcc).c_str(), width, height);
	std::string s = buf;
	for (unsigned i = 0; i < numPlanes && i < VIDEO_MAX_PLANES; ++i) {
		std::snprintf(buf, sizeof(buf), " [bpl %u size %u]", planes[i].bytesPerLine,
			      planes[i].sizeImage);
		s += buf;
	}
	return s;
}

void toV4l2Format(const DeviceFormat &pf, uint32_t type, struct v4l2_format *f)
{
	*f = {};
	f->type = type;
	if (isMultiPlanarType(type)) {
		auto &mp = f->fmt.pix_mp;
		mp.pixelformat = pf.fourcc;
		mp.width = pf.width;
		mp.height = pf.height;
		mp.field = pf.field;
		mp.colorspace = pf.colorspace;
		mp.num_planes = static_cast<uint8_t>(pf.numPlanes);
		for (unsigned i = 0; i < pf.numPlanes && i < VIDEO_MAX_PLANES; ++i) {
			mp.plane_fmt[i].bytesperline = pf.planes[i].bytesPerLine;
			mp.plane_fmt[i].sizeimage = pf.planes[i].sizeImage;
		}
	} else {
		auto &p = f->fmt.pix;
		p.pixelformat = pf.fourcc;
		p.width = pf.width;
		p.height = pf.height;
		p.field = pf.field;
		p.colorspace = pf.colorspace;
		p.bytesperline = pf.planes[0].bytesPerLine;
		p.sizeimage = pf.planes[0].sizeImage;
	}
}

DeviceFormat fromV4l2Format(const struct v4l2_format &f)
{
	DeviceFormat pf;
	if (isMultiPlanarType(f.type)) {
		const auto &mp = f.fmt.pix_mp;
		pf.fourcc = mp.pixelformat;
		pf.width = mp.width;
		pf.height = mp.height;
		pf.field = mp.field;
		pf.colorspace = mp.colorspace;
		pf.numPlanes = mp.num_planes ? mp.num_planes : 1;
		for (unsigned i = 0; i < pf.numPlanes && i < VIDEO_MAX_PLANES; ++i) {
			pf.planes[i].bytesPerLine = mp.plane_fmt[i].bytesperline;
			pf.planes[i].sizeImage = mp.plane_fmt[i].sizeimage;
		}
	} else {
		const auto &p = f.fmt.pix;
		pf.fourcc = p.pixelformat;
		pf.width = p.width;
		pf.height = p.height;
		pf.field = p.field;
		pf.colorspace = p.colorspace;
		pf.numPlanes = 1;
		pf.planes[0].bytesPerLine = p.bytesperline;
		pf.planes[0].sizeImage = p.sizeimage;
	}
	return pf;
}

const char *bufferTypeName(uint32_t type)
{
	switch (type) {
	case V4L2_BUF_TYPE_VIDEO_CAPTURE:
		return "CAPTURE";
	case V4L2_BUF_TYPE_VIDEO_OUTPUT:
		return "OUTPUT";
	case V4L2_BUF_TYPE_VIDEO_CAPTURE_MPLANE:
		return "CAPTURE_MPLANE";
	case V4L2_BUF_TYPE_VIDEO_OUTPUT_MPLANE:
		return "OUTPUT_MPLANE";
	default:
		return "other";
	}
}

} /* namespace dmabufkit::v4l2 */

/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "yuv_coefficients.h"

#include <cmath>

namespace dmabufkit::video {

YuvCoefficients yuvCoefficients(YuvMatrix matrix, YuvRange range)
{
	double kr = 0.299, kb = 0.114;
	if (matrix == YuvMatrix::BT709)
		kr = 0.2126, kb = 0.0722;
	else if (matrix == YuvMatrix::BT2020)
		kr = 0.2627, kb = 0.0593;
	const double kg = 1.0 - kr - kb;
	/* GStreamer's ranges: limited Y 16..235, C 16..240; full 0..255. */
	const double yScale = range == YuvRange::Limited ? 255.0 / 219.0 : 1.0;
	const double cScale = range == YuvRange::Limited ? 255.0 / 224.0 : 1.0;
	auto q = [](double v, int bits) {
		return static_cast<int16_t>(std::lround(v * (1 << bits)));
	};
	YuvCoefficients c{};
	c.yOffset = range == YuvRange::Limited ? 16 : 0;
	c.yMul = q(yScale, 14);
	c.rv = q(cScale * 2 * (1 - kr), 13);
	c.gu = q(-cScale * 2 * kb * (1 - kb) / kg, 13);
	c.gv = q(-cScale * 2 * kr * (1 - kr) / kg, 13);
	c.bu = q(cScale * 2 * (1 - kb), 13);
	c.kr = kr;
	c.kb = kb;
	c.matrix = matrix;
	c.range = range;
	return c;
}

} /* namespace dmabufkit::video */

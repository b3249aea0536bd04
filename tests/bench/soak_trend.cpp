/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "soak_trend.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace dmabufkit::test {

TrendVerdict judgeTrend(const std::vector<SoakPoint> &series, double runSeconds, double threshold)
{
	TrendVerdict v;
	v.threshold = threshold;
	std::vector<SoakPoint> w;
	for (const SoakPoint &p : series)
		if (p.t >= runSeconds / 2)
			w.push_back(p);
	v.samples = static_cast<int>(w.size());
	if (w.size() < 3)
		return v;
	v.enough = true;
	double mt = 0, mv = 0;
	v.windowMin = v.windowMax = w.front().value;
	for (const SoakPoint &p : w) {
		mt += p.t;
		mv += p.value;
		v.windowMin = std::min(v.windowMin, p.value);
		v.windowMax = std::max(v.windowMax, p.value);
	}
	mt /= w.size();
	mv /= w.size();
	double stt = 0, stv = 0;
	for (const SoakPoint &p : w) {
		stt += (p.t - mt) * (p.t - mt);
		stv += (p.t - mt) * (p.value - mv);
	}
	v.slopePerSecond = stt > 0 ? stv / stt : 0;
	v.projectedGrowth = v.slopePerSecond * runSeconds;
	/* Standard error of the slope from the residuals (n - 2 degrees of freedom). */
	double sse = 0;
	for (const SoakPoint &p : w) {
		const double r = p.value - (mv + v.slopePerSecond * (p.t - mt));
		sse += r * r;
	}
	const double se = stt > 0 ? std::sqrt(sse / double(w.size() - 2) / stt) : 0;
	v.noise = 3 * se * runSeconds;
	v.rising = v.projectedGrowth > threshold && v.projectedGrowth > v.noise;
	return v;
}

std::string describe(const TrendVerdict &v, double runSeconds)
{
	char buf[256];
	if (!v.enough) {
		std::snprintf(buf, sizeof(buf), "no verdict: %d samples after warm-up (3 needed)",
			      v.samples);
		return buf;
	}
	std::snprintf(
		buf, sizeof(buf),
		"%s: %+.2f over %.0f s at the late rate (floor %.2f, noise %.2f); %g..%g over "
		"the last %d samples",
		v.rising ? "RISING" : "flat", v.projectedGrowth, runSeconds, v.threshold, v.noise,
		v.windowMin, v.windowMax, v.samples);
	return buf;
}

} /* namespace dmabufkit::test */

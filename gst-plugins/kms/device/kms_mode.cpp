/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "kms_mode.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>

namespace dmabufkit::kms {

namespace {

std::string listModes(const std::vector<ModeCandidate> &modes)
{
	std::string s;
	for (const auto &m : modes) {
		std::string one = std::to_string(m.width) + "x" + std::to_string(m.height) + "@" +
				  std::to_string(m.refresh);
		if (s.find(one) != std::string::npos)
			continue;
		s += (s.empty() ? "" : ", ") + one;
	}
	return s.empty() ? "none" : s;
}

/* Best of the modes of one size: preferred first, then highest refresh. */
std::optional<size_t> bestOfSize(const std::vector<ModeCandidate> &modes, uint32_t w, uint32_t h,
				 uint32_t refresh = 0)
{
	std::optional<size_t> best;
	for (size_t i = 0; i < modes.size(); ++i) {
		const auto &m = modes[i];
		if (m.width != w || m.height != h || (refresh && m.refresh != refresh))
			continue;
		if (!best || (m.preferred && !modes[*best].preferred) ||
		    (m.preferred == modes[*best].preferred && m.refresh > modes[*best].refresh))
			best = i;
	}
	return best;
}

/* Centre `frame` pixels in [areaStart, areaStart + area), keep what lies in [0, limit). */
void centre1D(uint32_t frame, int64_t areaStart, uint32_t area, uint32_t limit, int32_t *src,
	      uint32_t *srcLen, int32_t *dst, uint32_t *dstLen)
{
	int64_t start = areaStart + (static_cast<int64_t>(area) - static_cast<int64_t>(frame)) / 2;
	int64_t end = start + frame;
	int64_t visStart = std::max<int64_t>({ start, areaStart, 0 });
	int64_t visEnd = std::min<int64_t>({ end, areaStart + area, static_cast<int64_t>(limit) });
	if (visEnd <= visStart) {
		*srcLen = *dstLen = 0;
		return;
	}
	*dst = static_cast<int32_t>(visStart);
	*dstLen = static_cast<uint32_t>(visEnd - visStart);
	*src = static_cast<int32_t>(visStart - start);
	*srcLen = *dstLen;
}

} /* namespace */

Result<std::vector<ModeChoice>> rankModes(const std::vector<ModeCandidate> &modes,
					  std::optional<size_t> current, uint32_t videoWidth,
					  uint32_t videoHeight, const std::string &requested)
{
	if (modes.empty())
		return Error{ ENOENT, "the connector offers no modes" };
	std::vector<ModeChoice> out;
	if (!requested.empty()) {
		unsigned w = 0, h = 0, r = 0;
		char tail = 0;
		int n = std::sscanf(requested.c_str(), "%ux%u@%u%c", &w, &h, &r, &tail);
		const bool parsed = (n == 2 && requested.find('@') == std::string::npos &&
				     requested == std::to_string(w) + "x" + std::to_string(h)) ||
				    n == 3;
		if (!parsed) {
			/* Not WxH[@HZ]: a mode name such as "1920x1080i". */
			for (size_t i = 0; i < modes.size(); ++i)
				if (modes[i].name == requested)
					return std::vector<ModeChoice>{ { i, "requested" } };
			return Error{ EINVAL, "mode \"" + requested +
						      "\" is not WIDTHxHEIGHT[@HZ] nor a mode "
						      "name; the connector offers " +
						      listModes(modes) };
		}
		if (auto i = bestOfSize(modes, w, h, n == 3 ? r : 0))
			return std::vector<ModeChoice>{ { *i, "requested" } };
		return Error{ ENOENT, "mode " + requested +
					      " does not exist on this connector; it offers " +
					      listModes(modes) };
	}
	auto add = [&](size_t i, const char *why) {
		for (const auto &c : out)
			if (c.index == i)
				return;
		out.push_back({ i, why });
	};
	if (current && *current < modes.size())
		add(*current, "current");
	if (auto i = bestOfSize(modes, videoWidth, videoHeight))
		add(*i, "matches the video");
	for (size_t i = 0; i < modes.size(); ++i)
		if (modes[i].preferred) {
			add(i, "preferred");
			break;
		}
	add(0, "first");
	return out;
}

Result<ModeChoice> selectMode(const std::vector<ModeCandidate> &modes,
			      std::optional<size_t> current, uint32_t videoWidth,
			      uint32_t videoHeight, const std::string &requested)
{
	auto r = rankModes(modes, current, videoWidth, videoHeight, requested);
	if (!r)
		return r.error();
	return r->front();
}

Result<Placement> placeFrame(uint32_t frameWidth, uint32_t frameHeight, uint32_t modeWidth,
			     uint32_t modeHeight, std::optional<Rect> render, bool canScale)
{
	if (!frameWidth || !frameHeight || !modeWidth || !modeHeight)
		return Error{ EINVAL, "cannot place an empty frame or on an empty mode" };
	Placement p;
	Rect area{ 0, 0, modeWidth, modeHeight };
	if (render && render->width && render->height)
		area = *render;
	if (render && canScale && render->width && render->height) {
		p.src = { 0, 0, frameWidth, frameHeight };
		/* Clip the destination to the mode, and the source in proportion. */
		int64_t x0 = std::max<int64_t>(area.x, 0), y0 = std::max<int64_t>(area.y, 0);
		int64_t x1 = std::min<int64_t>(int64_t(area.x) + area.width, modeWidth);
		int64_t y1 = std::min<int64_t>(int64_t(area.y) + area.height, modeHeight);
		if (x1 <= x0 || y1 <= y0)
			return Error{ EINVAL, "the render rectangle lies outside the mode" };
		p.dst = { int32_t(x0), int32_t(y0), uint32_t(x1 - x0), uint32_t(y1 - y0) };
		p.src.x = int32_t((x0 - area.x) * frameWidth / area.width);
		p.src.y = int32_t((y0 - area.y) * frameHeight / area.height);
		p.src.width = uint32_t((x1 - x0) * frameWidth / area.width);
		p.src.height = uint32_t((y1 - y0) * frameHeight / area.height);
		return p;
	}
	centre1D(frameWidth, area.x, area.width, modeWidth, &p.src.x, &p.src.width, &p.dst.x,
		 &p.dst.width);
	centre1D(frameHeight, area.y, area.height, modeHeight, &p.src.y, &p.src.height, &p.dst.y,
		 &p.dst.height);
	if (!p.dst.width || !p.dst.height)
		return Error{ EINVAL,
			      "no part of the frame would be visible in the render rectangle" };
	return p;
}

} /* namespace dmabufkit::kms */

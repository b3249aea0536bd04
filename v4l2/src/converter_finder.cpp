/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "dmabufkit/v4l2/converter_finder.h"

#include <algorithm>
#include <cerrno>

#include "dmabufkit/base/log.h"

namespace dmabufkit::v4l2 {

namespace {

bool offersRaw(const VideoDevice &dev, uint32_t type)
{
	auto fmts = dev.enumFormats(type);
	return std::any_of(fmts.begin(), fmts.end(), [](const FormatDescription &f) {
		return !(f.flags & V4L2_FMT_FLAG_COMPRESSED);
	});
}

} /* namespace */

std::optional<std::string> whyNotConverter(const VideoDevice &dev)
{
	if (!dev.info().isMemToMem())
		return "not a memory-to-memory device";
	if (!offersRaw(dev, dev.outputType()))
		return "its OUTPUT queue takes only compressed formats (a decoder)";
	if (!offersRaw(dev, dev.captureType()))
		return "its CAPTURE queue gives only compressed formats (an encoder)";
	return std::nullopt;
}

Result<VideoNodeInfo> findConverterNode()
{
	std::string seen;
	for (const auto &n : enumerateVideoNodes()) {
		std::string why;
		if (!n.isMemToMem()) {
			why = "not memory-to-memory";
		} else if (auto dev = VideoDevice::open(n.path); !dev) {
			why = dev.error().message;
		} else if (auto no = whyNotConverter(**dev)) {
			why = *no;
		} else {
			DBK_LOG(V4l2, Info, "converter %s (driver %s, card %s)", n.path.c_str(),
				n.driver.c_str(), n.card.c_str());
			return n;
		}
		DBK_LOG(V4l2, Debug, "%s (%s): not a converter: %s", n.path.c_str(),
			n.driver.c_str(), why.c_str());
		seen += (seen.empty() ? "" : "; ") + n.path + " (" + n.driver + "): " + why;
	}
	Error e{ ENODEV, "no V4L2 memory-to-memory converter (raw frames in and out); present: " +
				 (seen.empty() ? std::string("no video nodes") : seen) };
	DBK_LOG(V4l2, Warning, "%s", e.message.c_str());
	return e;
}

} /* namespace dmabufkit::v4l2 */

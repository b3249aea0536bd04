/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "kms_import_capability.h"

#include <drm_fourcc.h>

#include "dmabufkit/base/log.h"
#include "kms_framebuffer_cache.h"

namespace dmabufkit::kms {

namespace {

constexpr uint32_t kSide = 256;
constexpr uint32_t kPitch = kSide * 4;

} /* namespace */

ImportCapability displayImportCapability(int fd, const std::string &device)
{
	return ImportCapabilityCache::instance().get("kms:" + device, [&] {
		ExporterRegistry registry;
		ImportCapability cap =
			probeImports(registry, device + " scanout", { uint64_t(kPitch) * kSide },
				     [&](const std::vector<const DmaBuf *> &bufs) -> Result<void> {
					     FramebufferCache fbs(fd, device);
					     FrameImport f;
					     f.fourcc = DRM_FORMAT_XRGB8888;
					     f.width = kSide;
					     f.height = kSide;
					     f.planes = 1;
					     f.fds[0] = bufs[0]->fd();
					     f.inodes[0] = bufs[0]->inode();
					     f.pitches[0] = kPitch;
					     auto fb = fbs.get(f);
					     fbs.clear();
					     if (!fb)
						     return fb.error();
					     return {};
				     });
		DBK_LOG(Kms, Info, "%s: can scan out: %s", device.c_str(), cap.summary().c_str());
		return cap;
	});
}

} /* namespace dmabufkit::kms */

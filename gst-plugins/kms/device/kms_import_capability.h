/* SPDX-License-Identifier: LGPL-2.1-or-later */
/**
 * \file kms_import_capability.h
 * \brief What a display can turn into framebuffers (PRIME import + AddFB2),
 *        learnt once per device by importing one buffer of each exporter.
 */
#pragma once

#include <string>

#include "dmabufkit/core/import_probe.h"

namespace dmabufkit::kms {

/**
 * \brief The import capability of the KMS device \a fd (not owned), named
 *        \a device ("/dev/dri/card0 (vkms)") in messages and the cache key.
 *
 * Probed with a 256x256 XRGB8888 frame the first time in the process: DRM
 * checks contiguity (drm_gem_dma) when the dma-buf is imported and the
 * layout when it becomes a framebuffer.
 */
ImportCapability displayImportCapability(int fd, const std::string &device);

} /* namespace dmabufkit::kms */

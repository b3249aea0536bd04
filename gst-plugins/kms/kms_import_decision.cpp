/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "kms_import_decision.h"

#include <cerrno>
#include <cstring>

namespace dmabufkit::kms {

ImportDecision decideImport(const std::vector<PlaneSource> &planes, int injectedError)
{
	using Action = ImportDecision::Action;
	if (injectedError)
		return { Action::Copy, injectedError,
			 "drmPrimeFDToHandle (error injected by "
			 "DMABUFKIT_KMS_INJECT_IMPORT_ERROR): " +
				 std::string(std::strerror(injectedError)) };
	bool allCached = !planes.empty();
	for (size_t p = 0; p < planes.size(); ++p) {
		const PlaneSource &s = planes[p];
		if (s.stride <= 0 || !s.located)
			return { Action::Copy, EINVAL,
				 "plane " + std::to_string(p) + " (offset " +
					 std::to_string(s.offset) + ", stride " +
					 std::to_string(s.stride) + ") is not inside the buffer" };
		if (!s.dmaBuf)
			return { Action::Copy, EINVAL,
				 "the buffer's memory is not a dma-buf (allocator " + s.memoryType +
					 ")" };
		/* The last row needs only its pixels, not a whole stride. */
		const uint64_t rows = s.rows ? s.rows : 1;
		if (s.skip + uint64_t(s.stride) * (rows - 1) + s.rowBytes > s.memorySize)
			return { Action::Copy, EINVAL,
				 "plane " + std::to_string(p) + " spans several memories" };
		allCached &= s.cached;
	}
	return { Action::Import, 0, allCached ? "cached framebuffer" : "new import" };
}

} /* namespace dmabufkit::kms */

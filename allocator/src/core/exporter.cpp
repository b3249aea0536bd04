/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "dmabufkit/core/exporter.h"

#include <cerrno>

#include "dmabufkit/base/log.h"

namespace dmabufkit {

Result<void> checkAllocationSize(const ExporterTraits &traits, uint64_t size)
{
	if (size == 0)
		return Error{ EINVAL, traits.name + ": cannot allocate a dma-buf of size 0" };
	if (traits.maxSize && size > traits.maxSize)
		return Error{ ENOMEM, traits.name + ": " + std::to_string(size) +
					      " bytes is more than this exporter can allocate (" +
					      std::to_string(traits.maxSize) + ")" };
	return {};
}

void nameDmaBuf(DmaBuf &buf, const std::string &name, const char *category)
{
	if (name.empty())
		return;
	auto r = buf.setName(name);
	if (!r)
		DBK_LOG(Allocator, Warning, "%s: cannot name dma-buf '%s': %s", category,
			name.c_str(), r.error().message.c_str());
}

} /* namespace dmabufkit */

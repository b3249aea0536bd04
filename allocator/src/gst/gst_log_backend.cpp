/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "gst_log_backend.h"

#include <array>
#include <string>
#include <utility>

namespace dmabufkit {

namespace {

constexpr std::array kCategories = {
	std::pair{ LogCategory::Base, "dmabufkit base layer: fds, errors" },
	std::pair{ LogCategory::Allocator, "dmabufkit allocator: exporters, CPU access, pools" },
	std::pair{ LogCategory::V4l2, "dmabufkit V4L2 layer: devices, formats, queues" },
	std::pair{ LogCategory::Kms, "dmabufkit KMS layer: planes, modes, atomic commits" },
	std::pair{ LogCategory::Tracer, "dmabufkit tracer (dmabuftrace)" },
	std::pair{ LogCategory::Ipc, "dmabufkit IPC: sockets, clients, shared buffers" },
};

std::array<GstDebugCategory *, kCategories.size()> gstCategories{};

GstDebugLevel toGstLevel(LogLevel level)
{
	switch (level) {
	case LogLevel::Trace:
		return GST_LEVEL_LOG;
	case LogLevel::Debug:
		return GST_LEVEL_DEBUG;
	case LogLevel::Info:
		return GST_LEVEL_INFO;
	case LogLevel::Warning:
		return GST_LEVEL_WARNING;
	case LogLevel::Error:
		return GST_LEVEL_ERROR;
	}
	return GST_LEVEL_DEBUG;
}

class GstLogBackend : public LogBackend
{
public:
	bool enabled(LogCategory category, LogLevel level) const override
	{
		return gst_debug_category_get_threshold(gstLogCategory(category)) >=
		       toGstLevel(level);
	}

	void write(LogCategory category, LogLevel level, const LogLocation &where,
		   std::string_view message) override
	{
		gst_debug_log(gstLogCategory(category), toGstLevel(level), where.file,
			      where.function, where.line, nullptr, "%.*s",
			      static_cast<int>(message.size()), message.data());
	}
};

} /* namespace */

GstDebugCategory *gstLogCategory(LogCategory category)
{
	return gstCategories[static_cast<size_t>(category)];
}

void installGstLogBackend()
{
	static gsize done = 0;
	if (g_once_init_enter(&done)) {
		for (size_t i = 0; i < kCategories.size(); i++) {
			std::string name =
				std::string("dmabufkit-") + logCategoryName(kCategories[i].first);
			GST_DEBUG_CATEGORY_INIT(gstCategories[i], name.c_str(), 0,
						kCategories[i].second);
		}
		static GstLogBackend backend;
		setLogBackend(&backend);
		g_once_init_leave(&done, 1);
	}
}

} /* namespace dmabufkit */

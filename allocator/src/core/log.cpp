/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "dmabufkit/core/log.h"

#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <mutex>

namespace dmabufkit {

namespace {

std::mutex sinkMutex;
LogSink sink;

const char *levelName(LogLevel level)
{
	switch (level) {
	case LogLevel::Debug:
		return "DEBUG";
	case LogLevel::Info:
		return "INFO";
	case LogLevel::Warning:
		return "WARN";
	case LogLevel::Error:
		return "ERROR";
	}
	return "?";
}

void defaultSink(std::string_view category, LogLevel level, std::string_view msg)
{
	static const bool verbose = std::getenv("DMABUFKIT_DEBUG") != nullptr;
	if (level < LogLevel::Warning && !verbose)
		return;
	std::fprintf(stderr, "dmabufkit %s %.*s: %.*s\n", levelName(level),
		     static_cast<int>(category.size()), category.data(),
		     static_cast<int>(msg.size()), msg.data());
}

} /* namespace */

void setLogSink(LogSink newSink)
{
	std::lock_guard lock(sinkMutex);
	sink = std::move(newSink);
}

void logMessage(std::string_view category, LogLevel level, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	va_start(ap, fmt);
	std::vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);

	std::lock_guard lock(sinkMutex);
	if (sink)
		sink(category, level, buf);
	else
		defaultSink(category, level, buf);
}

} /* namespace dmabufkit */

/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "dmabufkit/base/log.h"

#include <atomic>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace dmabufkit {

namespace {

std::atomic<LogBackend *> backend{ nullptr };

const char *levelName(LogLevel level)
{
	switch (level) {
	case LogLevel::Trace:
		return "TRACE";
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

bool stderrEnabled(LogLevel level)
{
	static const bool verbose = std::getenv("DMABUFKIT_DEBUG") != nullptr;
	return level >= LogLevel::Warning || verbose;
}

} /* namespace */

const char *logCategoryName(LogCategory category)
{
	switch (category) {
	case LogCategory::Base:
		return "base";
	case LogCategory::Allocator:
		return "allocator";
	case LogCategory::V4l2:
		return "v4l2";
	case LogCategory::Kms:
		return "kms";
	case LogCategory::Tracer:
		return "tracer";
	case LogCategory::Ipc:
		return "ipc";
	}
	return "?";
}

void setLogBackend(LogBackend *newBackend)
{
	backend.store(newBackend, std::memory_order_release);
}

bool logEnabled(LogCategory category, LogLevel level)
{
	LogBackend *b = backend.load(std::memory_order_acquire);
	return b ? b->enabled(category, level) : stderrEnabled(level);
}

void logMessage(LogCategory category, LogLevel level, const LogLocation &where, const char *fmt,
		...)
{
	char buf[1024];
	va_list ap;
	va_start(ap, fmt);
	std::vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);

	LogBackend *b = backend.load(std::memory_order_acquire);
	if (b) {
		b->write(category, level, where, buf);
		return;
	}
	std::fprintf(stderr, "dmabufkit-%s %s %s:%d %s: %s\n", logCategoryName(category),
		     levelName(level), where.file, where.line, where.function, buf);
}

} /* namespace dmabufkit */

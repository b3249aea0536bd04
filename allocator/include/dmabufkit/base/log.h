/* SPDX-License-Identifier: LGPL-2.1-or-later */
/**
 * \file log.h
 * \brief Logging for the GStreamer-free layers, one category per layer.
 *
 * The base, allocator core, V4L2 and KMS layers have no GStreamer
 * dependency, so they log through a replaceable backend. Each layer logs in
 * its own category (LogCategory::Allocator, V4l2, Kms, Tracer); the
 * GStreamer side (dbk_init()) installs a backend that forwards every
 * category to a GStreamer debug category named "dmabufkit-<layer>", so
 * `GST_DEBUG=dmabufkit*:6` shows them. Without a backend, messages at
 * Warning and above go to stderr, and the rest too when DMABUFKIT_DEBUG is
 * set.
 *
 * Log through DBK_LOG(category, level, printf-format, ...): the message is
 * only formatted when the backend wants that level.
 */
#pragma once

#include <string_view>

namespace dmabufkit {

/** \brief Severity, in GStreamer's order: Trace is per-frame detail. */
enum class LogLevel { Trace, Debug, Info, Warning, Error };

/** \brief The layer a message comes from. */
enum class LogCategory { Base, Allocator, V4l2, Kms, Tracer, Ipc };

/** \brief Short name of \a category ("v4l2"); the GStreamer category adds "dmabufkit-". */
const char *logCategoryName(LogCategory category);

/** \brief Where a message was logged from. */
struct LogLocation {
	const char *file;
	int line;
	const char *function;
};

/** \brief Receives the messages of every layer. */
class LogBackend
{
public:
	virtual ~LogBackend() = default;
	/** \brief Whether a message of \a level in \a category would be written. */
	virtual bool enabled(LogCategory category, LogLevel level) const = 0;
	virtual void write(LogCategory category, LogLevel level, const LogLocation &where,
			   std::string_view message) = 0;
};

/** \brief Install \a backend (not owned, must outlive logging); nullptr for stderr. */
void setLogBackend(LogBackend *backend);

/** \brief Whether DBK_LOG(\a category, \a level, ...) would write anything. */
bool logEnabled(LogCategory category, LogLevel level);

/** \brief Format and write a message; use DBK_LOG. */
void logMessage(LogCategory category, LogLevel level, const LogLocation &where, const char *fmt,
		...) __attribute__((format(printf, 4, 5)));

} /* namespace dmabufkit */

/** \brief Log in layer \a cat (a LogCategory name) at level \a lvl (a LogLevel name). */
#define DBK_LOG(cat, lvl, ...)                                                                     \
	do {                                                                                       \
		if (::dmabufkit::logEnabled(::dmabufkit::LogCategory::cat,                         \
					    ::dmabufkit::LogLevel::lvl))                           \
			::dmabufkit::logMessage(::dmabufkit::LogCategory::cat,                     \
						::dmabufkit::LogLevel::lvl,                        \
						{ __FILE__, __LINE__, __func__ }, __VA_ARGS__);    \
	} while (0)

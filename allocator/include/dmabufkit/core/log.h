/* SPDX-License-Identifier: LGPL-2.1-or-later */
/**
 * \file log.h
 * \brief Minimal logging for the C++ core, one category per component.
 *
 * The core has no GStreamer dependency, so it logs through a replaceable
 * sink. By default messages at Warning and above go to stderr and the rest
 * are dropped unless DMABUFKIT_DEBUG is set; the GStreamer side installs a
 * sink that forwards to GStreamer debug categories instead.
 */
#pragma once

#include <functional>
#include <string_view>

namespace dmabufkit {

enum class LogLevel { Debug, Info, Warning, Error };

/** \brief Receives every message: category, level and text. */
using LogSink = std::function<void(std::string_view category, LogLevel level, std::string_view msg)>;

/** \brief Replace the sink (pass nullptr for the default stderr sink). */
void setLogSink(LogSink sink);

/** \brief Log a message in \a category; printf-style formatting. */
void logMessage(std::string_view category, LogLevel level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

} /* namespace dmabufkit */

#define DBK_LOG(cat, lvl, ...) ::dmabufkit::logMessage(cat, ::dmabufkit::LogLevel::lvl, __VA_ARGS__)

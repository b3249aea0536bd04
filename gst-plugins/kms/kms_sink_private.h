/* SPDX-License-Identifier: LGPL-2.1-or-later */
/**
 * \file kms_sink_private.h
 * \brief dmabufkmssink's instance state, shared by the element's files
 *        (element, properties, copy fallback, stats).
 */
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <dmabufkit/base/pixel_format.h>
#include <dmabufkit/dmabufkit.h>
#include <gst/video/video.h>

#include "gstdmabufkmssink.h"
#include "kms_device.h"
#include "kms_framebuffer_cache.h"
#include "kms_import_capability.h"
#include "kms_mode.h"
#include "kms_presenter.h"

namespace dmabufkit::kms {

/** \brief How long to wait for a page flip or a writeback capture. */
constexpr int kFlipTimeoutMs = 2000;

struct KmsSinkState {
	/* Settings (object lock). */
	DeviceSelection sel;
	std::string mode;
	bool writeback = false;
	std::string writebackLocation;
	guint strideAlign = 1;
	gint fenceTimeoutMs = DBK_FENCE_TIMEOUT_DEFAULT_MS;
	std::optional<Rect> render;
	bool renderChanged = false;

	/* Running (streaming thread, state changes). runLock guards the
	 * pointers against readers of stats/last-writeback in other threads. */
	std::mutex runLock;
	std::unique_ptr<KmsDevice> dev;
	std::unique_ptr<Presenter> presenter;
	std::shared_ptr<FramebufferCache> cache;
	GQuark fbQuark = 0;
	DbkAllocator *allocator = nullptr;
	/* What the display imports (learnt once per device and process): the
	 * exporters it proved it can scan out, published upstream. */
	std::optional<dmabufkit::ImportCapability> display;
	GstBufferPool *copyPool = nullptr;
	GstVideoInfo info{};
	uint32_t fourcc = 0;
	const PixelFormatInfo *pixelFormat = nullptr; /* of info, looked up once per caps */
	bool haveCaps = false;
	std::vector<std::pair<drmModeModeInfo, std::string>> modes; /* to try, best first */
	GstBuffer *lastBuffer = nullptr; /* identity only, never dereferenced */
	GstClockTime lastPts = GST_CLOCK_TIME_NONE;
	bool warnedCopy = false;
	bool negotiationErrorPosted = false;
	std::string copyReason;
	int injectedImportError = 0;
	bool capturedAtEos = false;

	std::atomic<guint64> copies{ 0 };
	std::atomic<guint64> importFailures{ 0 };
	std::atomic<guint64> failedFrames{ 0 };
};

} /* namespace dmabufkit::kms */

struct _GstDmabufKmsSink {
	GstVideoSink parent;
	dmabufkit::kms::KmsSinkState *state;
};

GST_DEBUG_CATEGORY_EXTERN(dmabuf_kms_sink_debug);

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What dmabufv4l2slfwhtdec keeps beside its GObject: settings, the session
 * and stream, counters behind its properties, and how its failures become
 * bus messages (one domain and code per kind of failure).
 */
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <dmabufkit/dbk_fence_wait.h>
#include <gst/video/gstvideodecoder.h>
#include <gst/video/video.h>

#include "dmabufkit/v4l2/fwht_header.h"
#include "dmabufkit/v4l2/stateless_fwht_session.h"
#include "stateless_fwht_stream.h"

namespace dmabufkit::gstv4l2 {

struct SlFwhtDecState {
	std::string device; /* property: empty = find the node by its 'SFWH' OUTPUT */
	guint timeoutMs = 2000;
	bool importMode = false; /* property "import": decode into downstream's dma-bufs */
	/* property: bound on the fence wait before the CPU reads a bitstream buffer */
	std::atomic<gint> fenceTimeoutMs{ DBK_FENCE_TIMEOUT_DEFAULT_MS };

	/* Guards session and stream being created or freed while properties are read. */
	mutable std::mutex lifetime;
	std::unique_ptr<v4l2::StatelessFwhtSession> session;
	std::unique_ptr<StatelessFwhtStream> stream;
	DbkAllocator *allocator = nullptr;
	GstVideoCodecState *input = nullptr;
	GstFlowReturn lastFlow = GST_FLOW_OK;
	bool warnedCopy = false, warnedSkip = false;
	std::string deviceUsed, mediaUsed;
	std::atomic<guint64> decoded{ 0 }, skipped{ 0 }, copiedFrames{ 0 };
	/* Totals of streams already stopped; the live stream's are added on read. */
	guint64 corruptDone = 0, changesDone = 0, requestsDone = 0, importedDone = 0;

	/** \brief Why the decoder cannot take frames of \a h's size, or nullopt. */
	std::optional<std::string> unsupportedSize(const v4l2::FwhtHeader &h) const;
	/** \brief Stop streaming, free the session, allocator and input state. */
	void close();
	bool setProperty(guint id, const GValue *value);
	bool getProperty(guint id, GValue *value) const;
	static void installProperties(GObjectClass *oc);
};

/** \brief Post the error for a node that cannot be opened as a stateless FWHT decoder. */
void postOpenError(GstElement *element, const std::string &path, const Error &e);
/** \brief Post the error for frame \a number whose header parsing failed. */
void postHeaderError(GstElement *element, const v4l2::FwhtFrame &f, uint32_t number);
/**
 * \brief Post the error for a failure while decoding and return the flow
 * for it: \a lastFlow when downstream stopped (EPIPE), FLUSHING on a flush.
 */
GstFlowReturn postStreamError(GstElement *element, const Error &e, GstFlowReturn lastFlow);

/**
 * \brief The CAPTURE format for a stream starting with \a h: the driver's
 * first choice if downstream takes it, else the first of \a offered with the
 * same sampling that downstream takes.
 */
Result<uint32_t> chooseCaptureFormat(GstVideoDecoder *dec, const v4l2::FwhtHeader &h,
				     const std::vector<uint32_t> &offered);

} /* namespace dmabufkit::gstv4l2 */

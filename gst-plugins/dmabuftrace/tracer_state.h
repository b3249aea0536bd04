/* SPDX-License-Identifier: LGPL-2.1-or-later */
/**
 * \file tracer_state.h
 * \brief What one dmabuftrace instance keeps: its parameters, the
 * per-pad and per-element counters (qdata), the pending events and the
 * publisher's state. Shared by the hooks, the performance-message capture
 * and the publisher.
 */
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <gst/gst.h>

#include "copy_contract.h"
#include "flow_stats.h"
#include "journey_recorder.h"
#include "json_writer.h"
#include "line_server.h"
#include "params.h"
#include "preview_tap.h"
#include "snapshot_builder.h"

namespace dmabufkit::dmabuftrace {

/** \brief A new qdata key per instance ("dmabufkit-tracer-N-pad", "-element"). */
GQuark instanceQuark(const char *what);

/** \brief One tracer instance's state (several may run at once, one per endpoint). */
struct TracerState {
	TracerQuarks quarks{ instanceQuark("pad"), instanceQuark("element") };
	std::atomic<uint64_t> padSerial{ 0 };
	std::atomic<uint64_t> graphGeneration{ 1 };
	std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();
	Params params;
	CopyContract contract;
	PreviewTap preview{ start };
	JourneyRecorder journeys;
	/* GStreamer's tracer time (hook "ts") at the protocol's t = 0. */
	uint64_t gstStart = gst_util_get_timestamp();

	std::mutex pipelinesMutex;
	std::vector<std::unique_ptr<GWeakRef>> pipelines;

	std::mutex eventsMutex;
	std::deque<std::string> events;
	static constexpr size_t kMaxEvents = 512;

	/* Publisher thread. */
	std::unique_ptr<LineServer> server;
	std::thread thread;
	std::atomic<bool> stop{ false };
	std::mutex flushMutex;
	std::condition_variable flushCond;
	uint64_t flushRequested = 0;
	uint64_t flushDone = 0;
	std::mutex graphMutex; /* lastGraph: read by the welcome callback */
	std::string lastGraph;
	std::string lastPreview; /* also under graphMutex */
	SnapshotBuilder builder{ quarks };
	uint64_t seq = 0;
	/* The watched link (publisher thread). */
	uint64_t previewSerial = 0;
	uint64_t previewGeneration = 0;
	PreviewSource previewSource;
	std::string previewError;  /* the last one stated */
	PreviewImage previewImage; /* kept: its pixels' storage is reused */
	std::string previewBase64;

	~TracerState();

	/** \brief Seconds since the tracer started: the protocol's "t". */
	double now() const
	{
		return std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
			.count();
	}
};

/** \brief The state of the dmabuftrace instance \a tracer (a GstDmabufTrace). */
TracerState *tracerStateOf(GObject *tracer);

/** \brief The counters of \a pad's link, created on first use (cached per streaming thread). */
PadStats *padStats(TracerState *st, GstPad *pad);
/** \brief The counters of \a e, created on first use. */
ElementStats *elementStats(TracerState *st, GstElement *e);

/** \brief Starts an "event" line: type, v, t and what. */
JsonWriter beginEvent(TracerState *st, const char *what);
/** \brief Queues the finished event line of \a w for the publisher (oldest dropped when full). */
void pushEvent(TracerState *st, JsonWriter &w);
/** \brief The graph changed: cached lookups and the published graph are stale. */
void graphChanged(TracerState *st);

} /* namespace dmabufkit::dmabuftrace */

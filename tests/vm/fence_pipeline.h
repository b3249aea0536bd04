/* SPDX-License-Identifier: LGPL-2.1-or-later */
/**
 * \file fence_pipeline.h
 * \brief What the fence VM tests share: dma-buf frames of a test's own
 *        allocator, and running two frames through a pipeline (an unfenced
 *        one that negotiates and prerolls, then the one under test) to its
 *        EOS or error, timed, with a hang reported instead of waited out.
 */
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <dmabufkit/dmabufkit.h>
#include <gst/gst.h>

#include "sw_sync_timeline.h"

namespace dmabufkit::test {

/** \brief The tracer's session file of the fence tests (under $DMABUFKIT_OUT). */
std::string fenceTraceFile();

/** \brief A buffer of one dma-buf of \a size bytes of \a level, named \a name. */
GstBuffer *dmabufFrame(DbkAllocator *alloc, gsize size, uint8_t level,
		       const char *name = "fence-test");

/** \brief A buffer holding \a bytes in \a parts dma-bufs (one memory each), named \a name. */
GstBuffer *dmabufBytes(DbkAllocator *alloc, const std::vector<uint8_t> &bytes, unsigned parts,
		       const char *name = "fence-test");

/**
 * \brief \a buf (transfer full) with a write fence of \a timeline, for its
 *        value 1, on its first dma-buf, as if a device were still writing
 *        it; nullptr stays nullptr. The dma-buf holds the fence, no fd does.
 */
GstBuffer *withWriteFence(GstBuffer *buf, SwSyncTimeline &timeline, const char *fenceName);

/** \brief What a stuck-fence run must give back: fds, sync_files, live dma-bufs. */
struct FenceLeakCounts {
	int fds, syncFiles, dmabufs;
	/** \brief The counts now (dmabufs is -1 without debugfs). */
	static FenceLeakCounts take();
	/** \brief EXPECT every count back where it was. */
	void expectUnchanged() const;
};

/** \brief How a run ended and what reached the sink. */
struct FenceOutcome {
	bool error = false;
	bool timedOut = false; /* neither EOS nor an error in time: a hang */
	GQuark domain = 0;
	int code = 0;
	std::string source; /* the element that posted the error */
	std::string message;
	std::string debug;
	double seconds = 0;	      /* from pushing the second frame to the bus message */
	std::atomic<int> frames{ 0 }; /* that reached the sink */
	std::atomic<int> grey{ -1 };  /* first byte of the last frame (handoff sinks) */
	std::atomic<bool> uniform{ false };
	/** Every ERROR on the bus by the time the pipeline stopped, the first
	 *  one included, as "source: domain code: message". */
	std::vector<std::string> errors;
	/** \brief How many of \a errors \a element posted. */
	int errorsFrom(const std::string &element) const;
	std::string all() const { return source + ": " + message + " (" + debug + ")"; }
};

/**
 * \brief Through \a desc (an "appsrc name=src" ... "name=sink" pipeline,
 *        renamed \a name): \a first, then once it reached the sink, \a second
 *        (right after \a beforeSecond ran), then EOS; waits up to 20 s for
 *        EOS or an error. Frames reaching a fakesink (signal-handoffs=true)
 *        are counted by its handoffs, else by the sink's "frames" property.
 *        \a release runs before the pipeline stops: it signals what is
 *        still pending, so that a hang fails the test instead of blocking.
 */
void runTwoFrames(FenceOutcome &o, const std::string &desc, const char *name, GstBuffer *first,
		  GstBuffer *second, const std::function<void()> &beforeSecond = {},
		  const std::function<void()> &release = {});

} /* namespace dmabufkit::test */

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The codec elements' CAPTURE side on its own thread: a GstTask on the
 * source pad that services the M2mStream, so output is pushed as soon as the
 * device produces it while the upstream thread keeps queueing input.
 */
#pragma once

#include <atomic>
#include <functional>
#include <mutex>

#include <gst/gst.h>

#include "m2m_stream.h"

namespace dmabufkit::gstv4l2 {

/** \brief Whether the thread stopping a task holds the element's stream lock. */
enum class StreamLock { Free, HeldByCaller };

class CaptureTask
{
public:
	/** \brief Posts the bus message for a failure of the task, returns its flow. */
	using ErrorHandler = std::function<GstFlowReturn(const Error &)>;

	/**
	 * \param srcpad the pad the task runs on (and pushes from)
	 * \param streamLock the element's stream lock, taken while frames are handed on
	 */
	CaptureTask(GstPad *srcpad, GRecMutex *streamLock, ErrorHandler onError);
	~CaptureTask();

	/** \brief Run the task on \a stream (if not running); resets the flow. */
	bool start(M2mStream &stream);
	/**
	 * \brief Interrupt the stream's waits and join the task.
	 *
	 * The task's push (the base class's finish_frame) takes the element's
	 * stream lock itself, blocking: a caller holding that lock (a vfunc the
	 * base class calls under it) says so, and stop() releases it while it
	 * joins, as stock v4l2 codecs do.
	 */
	void stop(StreamLock caller = StreamLock::Free);
	/** \brief GST_FLOW_OK, or why the task stopped (the error was posted already). */
	GstFlowReturn flow() const { return flow_; }
	/** \brief Record the flow a push returned, so the task ends on it. */
	void setFlow(GstFlowReturn f) { flow_ = f; }
	/**
	 * \brief Runs \a push (the base class's finish_frame) without the task's
	 * hold of the element's stream lock.
	 *
	 * The task holds the lock while it services the device; pushing under
	 * it would stall upstream for as long as downstream takes (a vicodec
	 * decoder decodes inside its QBUF), and the next frame would wait.
	 * \return \a push's flow; GST_FLOW_FLUSHING when a stop began meanwhile,
	 * the lock then not retaken
	 */
	GstFlowReturn pushUnlocked(const std::function<GstFlowReturn()> &push);

private:
	static void loop(gpointer data);
	void iterate();
	bool lockStream();

	GstPad *pad_;
	GRecMutex *streamLock_;
	ErrorHandler onError_;
	std::mutex stopLock_;	      /* stream_ against concurrent stop() */
	M2mStream *stream_ = nullptr; /* set by start(), cleared by stop() once joined */
	std::atomic<GstFlowReturn> flow_{ GST_FLOW_OK };
	std::atomic<bool> stopping_{ false };
	bool held_ = false; /* the task holds the stream lock (task thread only) */
};

} /* namespace dmabufkit::gstv4l2 */

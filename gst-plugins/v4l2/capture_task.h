/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The codec elements' CAPTURE side on its own thread: a GstTask on the
 * source pad that services the M2mStream, so output is pushed as soon as the
 * device produces it while the upstream thread keeps queueing input.
 */
#pragma once

#include <atomic>
#include <functional>

#include <gst/gst.h>

#include "m2m_stream.h"

namespace dmabufkit::gstv4l2 {

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
	/** \brief Interrupt the stream's waits and join the task. */
	void stop();
	/** \brief GST_FLOW_OK, or why the task stopped (the error was posted already). */
	GstFlowReturn flow() const { return flow_; }
	/** \brief Record the flow a push returned, so the task ends on it. */
	void setFlow(GstFlowReturn f) { flow_ = f; }

private:
	static void loop(gpointer data);
	void iterate();
	bool lockStream();

	GstPad *pad_;
	GRecMutex *streamLock_;
	ErrorHandler onError_;
	M2mStream *stream_ = nullptr;
	std::atomic<GstFlowReturn> flow_{ GST_FLOW_OK };
	std::atomic<bool> stopping_{ false };
};

} /* namespace dmabufkit::gstv4l2 */

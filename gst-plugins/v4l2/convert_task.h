/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * dmabufv4l2convert's CAPTURE side on its own thread: a GstTask on the
 * source pad that collects each converted frame from the ConvertStream and
 * pushes it, while the upstream thread queues the next input. The device
 * converts one frame while upstream produces the next and downstream
 * consumes the last, instead of the three taking turns.
 */
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>

#include <gst/gst.h>

#include "convert_stream.h"

namespace dmabufkit::gstv4l2 {

class ConvertTask
{
public:
	/** \brief Posts the bus message for a failure of the device, returns its flow. */
	using ErrorHandler = std::function<GstFlowReturn(const Error &)>;
	/** \brief Hands a converted frame on (transfer full); returns the push's flow. */
	using Deliver = std::function<GstFlowReturn(ConvertedFrame &&)>;

	ConvertTask(GstPad *srcpad, Deliver deliver, ErrorHandler onError);
	~ConvertTask();
	ConvertTask(const ConvertTask &) = delete;
	ConvertTask &operator=(const ConvertTask &) = delete;

	/** \brief One more frame was queued on \a stream: run the task if it is not running. */
	bool frameQueued(ConvertStream &stream);
	/**
	 * \brief Wait until every frame queued was pushed (before a serialized
	 * event or a reconfiguration); the task's flow, GST_FLOW_OK when drained.
	 */
	GstFlowReturn drain();
	/** \brief Stop and join the task, frames still in the device dropped; resets the flow. */
	void stop();
	/** \brief GST_FLOW_OK, or why the task stopped (an error was posted already). */
	GstFlowReturn flow() const { return flow_; }

private:
	static void loop(gpointer data);
	void iterate();
	void finish(GstFlowReturn f);

	GstPad *pad_;
	Deliver deliver_;
	ErrorHandler onError_;
	ConvertStream *stream_ = nullptr;
	std::mutex lock_;
	std::condition_variable cv_;
	unsigned inFlight_ = 0; /* queued, not pushed yet */
	bool stopping_ = false;
	bool started_ = false; /* gst_pad_start_task() was called (upstream thread) */
	std::atomic<GstFlowReturn> flow_{ GST_FLOW_OK };
};

} /* namespace dmabufkit::gstv4l2 */

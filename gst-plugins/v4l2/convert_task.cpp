/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "convert_task.h"

#include <cerrno>
#include <chrono>
#include <utility>

#include "dmabufkit/base/log.h"

namespace dmabufkit::gstv4l2 {

namespace {

/* How long the task waits for work before checking whether its pad flushes. */
constexpr auto kSlice = std::chrono::milliseconds(100);

const char *elementName(GstPad *pad)
{
	GstObject *parent = GST_OBJECT_PARENT(pad);
	return parent ? GST_OBJECT_NAME(parent) : "(no element)";
}

} /* namespace */

ConvertTask::ConvertTask(GstPad *srcpad, Deliver deliver, ErrorHandler onError)
	: pad_(srcpad), deliver_(std::move(deliver)), onError_(std::move(onError))
{
}

ConvertTask::~ConvertTask()
{
	stop();
}

bool ConvertTask::frameQueued(ConvertStream &stream)
{
	{
		std::lock_guard<std::mutex> g(lock_);
		if (stream_ != &stream) {
			stream_ = &stream;
			inFlight_ = 0;
		}
		inFlight_++;
		stopping_ = false;
	}
	cv_.notify_all();
	if (GST_PAD_TASK(pad_) && gst_task_get_state(GST_PAD_TASK(pad_)) == GST_TASK_STARTED)
		return true;
	DBK_LOG(V4l2, Debug, "%s: convert task starting", elementName(pad_));
	started_ = gst_pad_start_task(pad_, loop, this, nullptr);
	return started_;
}

GstFlowReturn ConvertTask::drain()
{
	std::unique_lock<std::mutex> g(lock_);
	while (inFlight_ > 0 && flow_ == GST_FLOW_OK && !stopping_) {
		if (GST_PAD_IS_FLUSHING(pad_))
			return GST_FLOW_FLUSHING;
		cv_.wait_for(g, kSlice);
	}
	return flow_;
}

void ConvertTask::stop()
{
	{
		std::lock_guard<std::mutex> g(lock_);
		stopping_ = true;
	}
	cv_.notify_all();
	/* Only a task that ran: at finalize the pad is gone already. */
	if (std::exchange(started_, false))
		gst_pad_stop_task(pad_);
	std::lock_guard<std::mutex> g(lock_);
	stream_ = nullptr;
	inFlight_ = 0;
	flow_ = GST_FLOW_OK; /* a flush or a new stream starts afresh */
}

void ConvertTask::loop(gpointer data)
{
	static_cast<ConvertTask *>(data)->iterate();
}

/* Record why the task ends and pause it; a waiting drain() returns. */
void ConvertTask::finish(GstFlowReturn f)
{
	{
		std::lock_guard<std::mutex> g(lock_);
		if (f != GST_FLOW_OK)
			flow_ = f;
	}
	cv_.notify_all();
	gst_pad_pause_task(pad_);
}

void ConvertTask::iterate()
{
	ConvertStream *stream = nullptr;
	{
		std::unique_lock<std::mutex> g(lock_);
		/* Deactivation and flushes wait for the pad's stream lock, which
		 * this loop holds: never wait long, and pause when asked. */
		if (inFlight_ == 0 && !stopping_ && !GST_PAD_IS_FLUSHING(pad_))
			cv_.wait_for(g, kSlice);
		if (stopping_ || GST_PAD_IS_FLUSHING(pad_)) {
			g.unlock();
			DBK_LOG(V4l2, Debug, "%s: convert task pausing: %s", elementName(pad_),
				stopping_ ? "stopping" : "pad flushing");
			gst_pad_pause_task(pad_);
			return;
		}
		if (inFlight_ == 0)
			return;
		stream = stream_;
	}
	auto frame = stream->dequeueOutput();
	if (!frame) {
		if (frame.error().code == EPIPE) {
			finish(GST_FLOW_FLUSHING);
			return;
		}
		finish(onError_(frame.error()));
		return;
	}
	const GstFlowReturn f = deliver_(std::move(*frame));
	{
		std::lock_guard<std::mutex> g(lock_);
		if (inFlight_ > 0)
			inFlight_--;
	}
	cv_.notify_all();
	if (f != GST_FLOW_OK) {
		DBK_LOG(V4l2, Debug, "%s: convert task pausing: push returned %s",
			elementName(pad_), gst_flow_get_name(f));
		finish(f);
	}
}

} /* namespace dmabufkit::gstv4l2 */

/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "capture_task.h"

#include <algorithm>
#include <cerrno>
#include <utility>

#include "dmabufkit/base/log.h"

namespace dmabufkit::gstv4l2 {

namespace {

/* How long one round waits for the device before checking for a stop. */
constexpr int kSliceMs = 100;

const char *elementName(GstPad *pad)
{
	GstObject *parent = GST_OBJECT_PARENT(pad);
	return parent ? GST_OBJECT_NAME(parent) : "(no element)";
}

} /* namespace */

CaptureTask::CaptureTask(GstPad *srcpad, GRecMutex *streamLock, ErrorHandler onError)
	: pad_(srcpad), streamLock_(streamLock), onError_(std::move(onError))
{
}

CaptureTask::~CaptureTask()
{
	stop();
}

bool CaptureTask::start(M2mStream &stream)
{
	if (stream_ == &stream && GST_PAD_TASK(pad_) &&
	    gst_task_get_state(GST_PAD_TASK(pad_)) == GST_TASK_STARTED)
		return true;
	{
		std::lock_guard l(stopLock_);
		stream_ = &stream;
	}
	flow_ = GST_FLOW_OK;
	stopping_ = false;
	stream.interrupt(false);
	stream.enterElement = [this]() { return lockStream(); };
	stream.leaveElement = [this]() {
		if (std::exchange(held_, false))
			g_rec_mutex_unlock(streamLock_);
	};
	DBK_LOG(V4l2, Debug, "%s: capture task starting", elementName(pad_));
	return gst_pad_start_task(pad_, loop, this, nullptr);
}

/*
 * The element's stream lock may be held by a thread that is about to stop
 * this task (flush, renegotiation): never block on it while a stop waits.
 */
bool CaptureTask::lockStream()
{
	/* Waits are rare (8-30 in 300 frames, codec-baseline-bench's notes)
	 * but can last a whole QBUF, which on vicodec is the whole encode or
	 * decode: back off up to 1 ms so a long one costs few wakeups. */
	gulong backoffUs = 50;
	while (!g_rec_mutex_trylock(streamLock_)) {
		if (stopping_)
			return false;
		g_usleep(backoffUs);
		backoffUs = std::min<gulong>(backoffUs * 2, 1000);
	}
	if (stopping_) {
		g_rec_mutex_unlock(streamLock_);
		return false;
	}
	held_ = true;
	return true;
}

GstFlowReturn CaptureTask::pushUnlocked(const std::function<GstFlowReturn()> &push)
{
	if (!held_)
		return push(); /* not in one of the task's rounds */
	held_ = false;
	g_rec_mutex_unlock(streamLock_);
	GstFlowReturn ret = push();
	if (!lockStream()) {
		DBK_LOG(V4l2, Debug, "%s: capture task: stopping after a push (%s)",
			elementName(pad_), gst_flow_get_name(ret));
		return ret == GST_FLOW_OK ? GST_FLOW_FLUSHING : ret;
	}
	return ret;
}

/*
 * Two threads may stop at once: a drain that released the stream lock to
 * join, and a FLUSH_START. Both join (the second waits in gst_pad_stop_task
 * for the running round); stream_ is read and cleared under stopLock_, so
 * neither touches a stream that a stopStream() after the other's stop()
 * destroyed.
 */
void CaptureTask::stop(StreamLock caller)
{
	{
		std::lock_guard l(stopLock_);
		if (!stream_)
			return;
		stopping_ = true;
		stream_->interrupt(true);
	}
	const bool release = caller == StreamLock::HeldByCaller;
	if (release)
		g_rec_mutex_unlock(streamLock_);
	gst_pad_stop_task(pad_);
	if (release)
		g_rec_mutex_lock(streamLock_);
	std::lock_guard l(stopLock_);
	stream_ = nullptr;
}

void CaptureTask::loop(gpointer data)
{
	static_cast<CaptureTask *>(data)->iterate();
}

void CaptureTask::iterate()
{
	/* A flush or a state change waits for the pad's stream lock, which this
	 * loop retakes at once after each round: pause so that they get it. */
	if (GST_PAD_IS_FLUSHING(pad_) || stream_->interrupted()) {
		DBK_LOG(V4l2, Debug, "%s: capture task pausing: %s", elementName(pad_),
			GST_PAD_IS_FLUSHING(pad_) ? "pad flushing" : "interrupted");
		gst_pad_pause_task(pad_);
		return;
	}
	auto p = stream_->service(kSliceMs);
	if (p && *p != M2mStream::Progress::Last) {
		if (flow_ == GST_FLOW_OK || stopping_)
			return;
		/* A push failed (flushing, EOS downstream, not linked): stop here. */
		DBK_LOG(V4l2, Debug, "%s: capture task pausing: %s", elementName(pad_),
			gst_flow_get_name(flow_));
		stream_->fail(Error{ EPIPE, std::string("pushing downstream returned ") +
						    gst_flow_get_name(flow_) });
		gst_pad_pause_task(pad_);
		return;
	}
	if (p) {
		DBK_LOG(V4l2, Debug, "%s: capture task: drained, pausing", elementName(pad_));
		gst_pad_pause_task(pad_);
		return;
	}
	if (!stopping_) {
		if (p.error().code == EPIPE && flow_ != GST_FLOW_OK) {
			DBK_LOG(V4l2, Debug, "%s: capture task pausing: %s", elementName(pad_),
				gst_flow_get_name(flow_));
		} else {
			flow_ = onError_(p.error());
		}
		stream_->fail(p.error());
	}
	gst_pad_pause_task(pad_);
}

} /* namespace dmabufkit::gstv4l2 */

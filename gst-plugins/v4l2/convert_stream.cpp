/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "convert_stream.h"

#include <cerrno>
#include <chrono>
#include <poll.h>
#include <unistd.h>

#include "dmabufkit/base/log.h"
#include "m2m_stream.h"

namespace dmabufkit::gstv4l2 {

namespace {
/* The input's flags that describe the frame, not its memory. */
constexpr guint kKeptFlags = GST_BUFFER_FLAG_DISCONT | GST_BUFFER_FLAG_RESYNC |
			     GST_BUFFER_FLAG_DELTA_UNIT | GST_BUFFER_FLAG_MARKER |
			     GST_BUFFER_FLAG_DROPPABLE;
} /* namespace */

ConvertStream::ConvertStream(v4l2::VideoDevice &dev, std::string name)
	: dev_(dev), name_(std::move(name))
{
}

ConvertStream::~ConvertStream()
{
	stop();
}

Result<void> ConvertStream::setupOutput(unsigned slots)
{
	output_ = std::make_unique<ImportingQueue>(dev_, dev_.outputType());
	auto n = output_->allocate(slots);
	if (!n)
		return n.error();
	DBK_LOG(V4l2, Info, "%s: %s: OUTPUT imports dma-bufs into %u indices", name_.c_str(),
		dev_.label(), *n);
	outputStreaming_ = false;
	return {};
}

Result<void> ConvertStream::setupCapture(std::unique_ptr<FrameSource> source)
{
	capture_ = std::move(source);
	auto filled = capture_->refill(true);
	if (!filled)
		return filled.error();
	if (*filled != GST_FLOW_OK)
		return Error{ EPIPE, name_ + ": the CAPTURE pool stopped (" +
					     gst_flow_get_name(*filled) + ")" };
	if (auto r = capture_->streamOn(); !r)
		return r;
	DBK_LOG(V4l2, Info, "%s: %s: CAPTURE streaming (%s)", name_.c_str(), dev_.label(),
		capture_->mode());
	return {};
}

std::optional<std::string> ConvertStream::whyNotImportable(GstBuffer *buf, size_t minSize) const
{
	if (!output_)
		return "the OUTPUT queue is not set up";
	return output_->whyNotImportable(buf, minSize);
}

const v4l2::DmaBufIndexCache *ConvertStream::outputCache() const
{
	return output_ ? &output_->cache() : nullptr;
}

const v4l2::DmaBufIndexCache *ConvertStream::captureCache() const
{
	return capture_ ? capture_->indexCache() : nullptr;
}

Result<void> ConvertStream::reclaimOutput()
{
	std::lock_guard<std::mutex> g(outputLock_);
	/* OUTPUT buffers the driver has read go back upstream (DQBUF before
	 * STREAMON is EINVAL). */
	if (!outputStreaming_)
		return {};
	for (;;) {
		auto d = output_->dequeue();
		if (!d)
			return d.error();
		if (!*d)
			return {};
		if ((*d)->second)
			gst_buffer_unref((*d)->second);
	}
}

Result<void> ConvertStream::queueInput(GstBuffer *buf, uint32_t frameNumber, uint32_t bytesUsed,
				       GstBuffer *timingFrom)
{
	GstBuffer *t = timingFrom ? timingFrom : buf;
	if (!output_ || !capture_)
		return Error{ EINVAL, name_ + ": the stream is not set up" };
	if (auto r = waitForFreeOutput(); !r)
		return r;
	{
		std::lock_guard<std::mutex> g(lock_);
		timings_[frameNumber] = Timing{ GST_BUFFER_PTS(t),
						GST_BUFFER_DTS(t),
						GST_BUFFER_DURATION(t),
						GST_BUFFER_OFFSET(t),
						GST_BUFFER_OFFSET_END(t),
						GST_BUFFER_FLAGS(t),
						std::chrono::steady_clock::now() };
	}
	Result<void> r;
	{
		std::lock_guard<std::mutex> g(outputLock_);
		r = output_->queue(buf, M2mStream::frameTimestamp(frameNumber), bytesUsed);
	}
	if (!r) {
		std::lock_guard<std::mutex> g(lock_);
		timings_.erase(frameNumber);
		return r;
	}
	pending_++;
	DBK_LOG(V4l2, Trace, "%s: %s: frame %u queued on OUTPUT", name_.c_str(), dev_.label(),
		frameNumber);
	std::lock_guard<std::mutex> g(outputLock_);
	if (!outputStreaming_) {
		if (auto s = output_->streamOn(); !s)
			return s;
		outputStreaming_ = true;
	}
	return {};
}

/*
 * The capture step reclaims OUTPUT buffers too and may take the very one a
 * poll for POLLOUT here waits for, which then never wakes: wait in short
 * slices and look again, up to timeoutMs in all.
 */
Result<void> ConvertStream::waitForFreeOutput()
{
	const auto deadline =
		std::chrono::steady_clock::now() + std::chrono::milliseconds(timeoutMs);
	for (;;) {
		if (auto r = reclaimOutput(); !r)
			return r;
		{
			std::lock_guard<std::mutex> g(outputLock_);
			if (output_->hasFreeIndex())
				return {};
		}
		if (flushing && flushing())
			return Error{ EPIPE, name_ + ": flushing" };
		if (std::chrono::steady_clock::now() >= deadline) {
			Error e{ ETIMEDOUT, "no OUTPUT buffer came back from " + dev_.path() +
						    " (" + dev_.info().driver + ") within " +
						    std::to_string(timeoutMs) +
						    " ms: the driver stopped reading (watchdog)" };
			DBK_LOG(V4l2, Error, "%s: %s", name_.c_str(), e.message.c_str());
			return e;
		}
		if (auto ev = dev_.wait(POLLOUT, 20); !ev)
			return ev.error();
	}
}

/* Wait for the device, or for downstream when it holds every CAPTURE buffer. */
Result<void> ConvertStream::waitForCapture()
{
	if (int starved = capture_->starvedFd(); starved >= 0) {
		DBK_LOG(V4l2, Debug, "%s: %s: every CAPTURE buffer is downstream; waiting for one",
			name_.c_str(), dev_.label());
		struct pollfd pfd = { starved, POLLIN, 0 };
		for (;;) {
			if (flushing && flushing())
				return Error{ EPIPE, name_ + ": flushing" };
			int r = ::poll(&pfd, 1, 100);
			if (r < 0 && errno != EINTR)
				return Error::fromErrno(errno,
							"poll on the buffer release eventfd");
			if (r > 0) {
				uint64_t v;
				(void)!read(starved, &v, sizeof(v));
				return {};
			}
		}
	}
	auto ev = dev_.poll(POLLIN, static_cast<int>(timeoutMs));
	if (!ev)
		return ev.error();
	if (*ev & POLLERR) {
		/* Nothing queued on one side: a second dequeue attempt tells. */
		if (sawPollError_) {
			Error e{ EIO, "poll on " + dev_.path() + " (" + dev_.info().driver +
					      ") reports an error and nothing can be dequeued" };
			DBK_LOG(V4l2, Error, "%s: %s", name_.c_str(), e.message.c_str());
			return e;
		}
		sawPollError_ = true;
	}
	return {};
}

Result<ConvertedFrame> ConvertStream::dequeueOutput()
{
	if (!capture_)
		return Error{ EINVAL, name_ + ": the stream is not set up" };
	for (;;) {
		if (flushing && flushing())
			return Error{ EPIPE, name_ + ": flushing" };
		if (auto r = reclaimOutput(); !r)
			return r.error();
		auto filled = capture_->refill(false);
		if (!filled)
			return filled.error();
		if (*filled != GST_FLOW_OK)
			return Error{ EPIPE, name_ + ": the CAPTURE pool is flushing" };
		auto d = capture_->dequeue();
		if (!d)
			return d.error();
		if (!*d) {
			if (auto w = waitForCapture(); !w)
				return w.error();
			continue;
		}
		sawPollError_ = false;
		CapturedFrame frame = std::move(**d);
		const uint32_t number = static_cast<uint32_t>(frame.info.timestampNs / 1000 - 1);
		pending_--;
		std::optional<Timing> t;
		{
			std::lock_guard<std::mutex> g(lock_);
			if (auto it = timings_.find(number); it != timings_.end()) {
				t = it->second;
				timings_.erase(it);
			}
		}
		if (frame.info.hasError()) {
			(void)capture_->drop(frame);
			Error e{ EIO, dev_.path() + " (" + dev_.info().driver +
					      ") flagged converted frame " +
					      std::to_string(number) +
					      " as broken (V4L2_BUF_FLAG_ERROR)" };
			DBK_LOG(V4l2, Error, "%s: %s", name_.c_str(), e.message.c_str());
			return e;
		}
		auto buf = capture_->deliver(frame);
		if (!buf)
			return buf.error();
		if (t) {
			const auto dt = std::chrono::duration_cast<std::chrono::nanoseconds>(
				std::chrono::steady_clock::now() - t->queuedAt);
			if (dt.count() > 0 && uint64_t(dt.count()) > maxProcessingNs_)
				maxProcessingNs_ = uint64_t(dt.count());
			GST_BUFFER_PTS(*buf) = t->pts;
			GST_BUFFER_DTS(*buf) = t->dts;
			GST_BUFFER_DURATION(*buf) = t->duration;
			GST_BUFFER_OFFSET(*buf) = t->offset;
			GST_BUFFER_OFFSET_END(*buf) = t->offsetEnd;
			GST_BUFFER_FLAGS(*buf) |= t->flags & kKeptFlags;
		} else {
			DBK_LOG(V4l2, Warning,
				"%s: %s: CAPTURE buffer %u carries frame %u, which was not queued",
				name_.c_str(), dev_.label(), frame.info.index, number);
		}
		DBK_LOG(V4l2, Trace, "%s: %s: frame %u out of CAPTURE buffer %u, %u bytes",
			name_.c_str(), dev_.label(), number, frame.info.index,
			frame.info.totalBytesUsed());
		return ConvertedFrame{ *buf, number, frame.info };
	}
}

void ConvertStream::stop()
{
	if (capture_) {
		capture_->stop();
		capture_.reset();
	}
	if (output_) {
		(void)output_->release();
		output_.reset();
	}
	outputStreaming_ = false;
	pending_ = 0;
	std::lock_guard<std::mutex> g(lock_);
	timings_.clear();
}

} /* namespace dmabufkit::gstv4l2 */

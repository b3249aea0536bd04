/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "m2m_stream.h"

#include <cerrno>
#include <poll.h>
#include <unistd.h>

#include "dmabufkit/base/log.h"

namespace dmabufkit::gstv4l2 {

M2mStream::M2mStream(v4l2::VideoDevice &dev, std::string name, FrameReady ready,
		     SourceChanged changed)
	: dev_(dev), name_(std::move(name)), ready_(std::move(ready)), changed_(std::move(changed))
{
}

M2mStream::~M2mStream()
{
	stop();
}

Result<void> M2mStream::setupOutput(unsigned slots)
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

Result<void> M2mStream::setupCapture(unsigned count)
{
	if (capture_) {
		(void)capture_->stop();
		capture_.reset();
	}
	auto q = ExportingQueue::create(dev_, dev_.captureType(), count, name_);
	if (!q)
		return q.error();
	capture_ = std::move(q).value();
	DBK_LOG(V4l2, Info, "%s: %s: CAPTURE exports %u buffers (asked %u)", name_.c_str(),
		dev_.label(), capture_->count(), count);
	if (auto r = capture_->queueAllFree(); !r)
		return r;
	return capture_->streamOn();
}

std::optional<std::string> M2mStream::whyNotImportable(GstBuffer *buf, size_t minSize) const
{
	if (!output_)
		return "the OUTPUT queue is not set up";
	return output_->whyNotImportable(buf, minSize);
}

const v4l2::DmaBufIndexCache *M2mStream::outputCache() const
{
	return output_ ? &output_->cache() : nullptr;
}

Result<M2mStream::Progress> M2mStream::step()
{
	Progress progress = Progress::None;
	/* OUTPUT buffers the driver has consumed go back upstream. */
	for (;;) {
		auto d = output_->dequeue();
		if (!d)
			return d.error();
		if (!*d)
			break;
		if ((*d)->second)
			gst_buffer_unref((*d)->second);
		progress = Progress::Some;
	}
	for (;;) {
		auto ev = dev_.dequeueEvent();
		if (!ev)
			return ev.error();
		if (!*ev)
			break;
		if ((*ev)->type == V4L2_EVENT_SOURCE_CHANGE) {
			DBK_LOG(V4l2, Info, "%s: %s: source change%s", name_.c_str(), dev_.label(),
				capture_ ? " (after the old frames drain)" : "");
			if (!capture_) {
				if (auto r = changed_(); !r)
					return r.error();
			} else {
				sourceChangePending_ = true; /* after the LAST buffer */
			}
			progress = Progress::Some;
		}
	}
	if (!capture_)
		return progress;
	for (;;) {
		auto d = capture_->dequeue();
		if (!d) {
			if (d.error().code == EPIPE) {
				DBK_LOG(V4l2, Debug, "%s: %s: LAST buffer already dequeued",
					name_.c_str(), dev_.label());
				return Progress::Last; /* LAST already dequeued */
			}
			return d.error();
		}
		if (!*d)
			break;
		const auto &b = **d;
		progress = Progress::Some;
		if (b.isLast() && b.totalBytesUsed() == 0) {
			DBK_LOG(V4l2, Debug, "%s: %s: empty LAST buffer %u: drained", name_.c_str(),
				dev_.label(), b.index);
			(void)capture_->requeue(b.index);
			if (sourceChangePending_) {
				sourceChangePending_ = false;
				if (auto r = changed_(); !r)
					return r.error();
				continue;
			}
			return Progress::Last;
		}
		uint32_t frame = static_cast<uint32_t>(b.timestampNs / 1000 - 1);
		GstBuffer *buf = nullptr;
		if (!b.hasError()) {
			buf = capture_->wrap(b, allocator);
			DBK_LOG(V4l2, Trace, "%s: %s: frame %u out of CAPTURE buffer %u, %u bytes",
				name_.c_str(), dev_.label(), frame, b.index, b.totalBytesUsed());
		} else {
			DBK_LOG(V4l2, Warning,
				"%s: %s: driver flagged CAPTURE buffer %u (frame %u) as an error",
				name_.c_str(), dev_.label(), b.index, frame);
			if (auto r = capture_->requeue(b.index); !r)
				return r.error();
		}
		if (auto r = ready_(frame, buf, b); !r)
			return r.error();
		if (b.isLast()) {
			if (sourceChangePending_) {
				sourceChangePending_ = false;
				if (auto r = changed_(); !r)
					return r.error();
				continue;
			}
			return Progress::Last;
		}
	}
	return progress;
}

Result<void> M2mStream::service()
{
	auto p = step();
	if (!p)
		return p.error();
	return {};
}

Result<void> M2mStream::waitAndStep(bool *sawLast)
{
	auto p = step();
	if (!p)
		return p.error();
	if (*p == Progress::Last) {
		*sawLast = true;
		return {};
	}
	if (*p == Progress::Some)
		return {};
	if (capture_ && capture_->queuedCount() == 0 && capture_->outstanding() > 0)
		return waitForDownstream();
	auto ev = dev_.poll(POLLIN | POLLOUT | POLLPRI, static_cast<int>(timeoutMs));
	if (!ev)
		return ev.error();
	p = step();
	if (!p)
		return p.error();
	if (*p == Progress::Last)
		*sawLast = true;
	else if (*p == Progress::None && (*ev & POLLERR)) {
		Error e{ EIO, "poll on " + dev_.path() + " (" + dev_.info().driver +
				      ") reported an error and nothing could be dequeued" };
		DBK_LOG(V4l2, Error, "%s: %s", name_.c_str(), e.message.c_str());
		return e;
	}
	return {};
}

/*
 * Every CAPTURE buffer is downstream, so the driver cannot progress (and the
 * m2m poll reports POLLERR) until one comes back. That is downstream's pace,
 * not a stalled driver: no watchdog, but a flush ends the wait.
 */
Result<void> M2mStream::waitForDownstream()
{
	struct pollfd pfd = { capture_->releaseFd(), POLLIN, 0 };
	DBK_LOG(V4l2, Debug, "%s: %s: every CAPTURE buffer is downstream; waiting for one back",
		name_.c_str(), dev_.label());
	for (;;) {
		if (flushing && flushing())
			return Error{
				EPIPE,
				name_ + ": flushing while waiting for downstream to return a buffer"
			};
		int r = ::poll(&pfd, 1, 100);
		if (r < 0 && errno != EINTR)
			return Error::fromErrno(errno, "poll on the buffer release eventfd");
		if (r > 0) {
			uint64_t v;
			(void)!read(pfd.fd, &v, sizeof(v));
			return {};
		}
		if (capture_->queuedCount() > 0)
			return {};
	}
}

Result<void> M2mStream::queueInput(GstBuffer *buf, uint32_t frameNumber, uint32_t bytesUsed)
{
	bool last = false;
	while (!output_->hasFreeIndex()) {
		if (auto r = waitAndStep(&last); !r)
			return r;
	}
	if (auto r = output_->queue(buf, frameTimestamp(frameNumber), bytesUsed); !r)
		return r;
	if (!outputStreaming_) {
		if (auto r = output_->streamOn(); !r)
			return r;
		outputStreaming_ = true;
	}
	return service();
}

Result<void> M2mStream::drain(bool encoder)
{
	if (!outputStreaming_)
		return {};
	if (!capture_) {
		/* Nothing decodable was seen (no header): nothing to drain. */
		return service();
	}
	DBK_LOG(V4l2, Debug, "%s: %s: draining", name_.c_str(), dev_.label());
	auto r = encoder ? dev_.encoderCommand(V4L2_ENC_CMD_STOP)
			 : dev_.decoderCommand(V4L2_DEC_CMD_STOP);
	if (!r)
		return r;
	bool last = false;
	while (!last) {
		if (auto w = waitAndStep(&last); !w)
			return w;
	}
	return {};
}

void M2mStream::stop()
{
	if (capture_) {
		(void)capture_->stop();
		capture_.reset();
	}
	if (output_) {
		(void)output_->release();
		output_.reset();
	}
	outputStreaming_ = false;
	sourceChangePending_ = false;
}

} /* namespace dmabufkit::gstv4l2 */

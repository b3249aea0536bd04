/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "m2m_stream.h"

#include <cerrno>
#include <poll.h>
#include <sys/eventfd.h>
#include <thread>
#include <unistd.h>

#include "dmabufkit/base/log.h"

namespace dmabufkit::gstv4l2 {

M2mStream::M2mStream(v4l2::VideoDevice &dev, std::string name, FrameReady ready,
		     SourceChanged changed)
	: dev_(dev), name_(std::move(name)), ready_(std::move(ready)), changed_(std::move(changed)),
	  wakeFd_(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)), lastProgress_(Clock::now())
{
}

M2mStream::~M2mStream()
{
	stop();
}

Result<void> M2mStream::setupOutput(unsigned slots)
{
	std::lock_guard l(lock_);
	output_ = std::make_unique<ImportingQueue>(dev_, dev_.outputType());
	auto n = output_->allocate(slots);
	if (!n)
		return n.error();
	DBK_LOG(V4l2, Info, "%s: %s: OUTPUT imports dma-bufs into %u indices", name_.c_str(),
		dev_.label(), *n);
	outputStreaming_ = false;
	return {};
}

/* Called before the capture task runs (encoder) or on it (decoder's SOURCE_CHANGE). */
Result<void> M2mStream::setupCapture(unsigned count)
{
	captureUp_ = false;
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
	if (auto r = capture_->streamOn(); !r)
		return r;
	captureUp_ = true;
	std::lock_guard l(lock_);
	captureSetupAt_ = Clock::now();
	return {};
}

std::optional<std::string> M2mStream::whyNotImportable(GstBuffer *buf, size_t minSize) const
{
	std::lock_guard l(lock_);
	if (!output_)
		return "the OUTPUT queue is not set up";
	return output_->whyNotImportable(buf, minSize);
}

const v4l2::DmaBufIndexCache *M2mStream::outputCache() const
{
	return output_ ? &output_->cache() : nullptr;
}

bool M2mStream::interrupted() const
{
	std::lock_guard l(lock_);
	return interrupted_;
}

Result<void> M2mStream::queueInput(GstBuffer *buf, uint32_t frameNumber, uint32_t bytesUsed)
{
	std::unique_lock l(lock_);
	for (;;) {
		if (error_)
			return *error_;
		if (interrupted_ || (flushing && flushing()))
			return Error{ EPIPE,
				      name_ + ": flushing while waiting for an OUTPUT slot" };
		if (output_->hasFreeIndex())
			break;
		cv_.wait_for(l, std::chrono::milliseconds(100));
	}
	if (output_->queuedCount() == 0)
		lastProgress_ = Clock::now(); /* the watchdog counts from here */
	/* From before QBUF: a driver may do the whole job inside it (vicodec). */
	const Clock::time_point queuedAt = Clock::now();
	if (auto r = output_->queue(buf, frameTimestamp(frameNumber), bytesUsed); !r)
		return r;
	queuedAt_[frameNumber % queuedAt_.size()] = queuedAt;
	if (!outputStreaming_) {
		if (auto r = output_->streamOn(); !r)
			return r;
		outputStreaming_ = true;
	}
	/* Hand back at once what the driver already consumed (vicodec codes
	 * inside QBUF): upstream's buffer then goes back to its pool, and an
	 * encoder's CAPTURE buffer we decoded to its driver, without waiting
	 * for the capture task's next round. */
	std::vector<GstBuffer *> released;
	auto done = takeDoneOutput(released);
	if (done && *done)
		lastProgress_ = Clock::now();
	l.unlock();
	releaseInputs(released);
	if (!done)
		return done.error();
	/* The task may be idle (nothing was queued): new work. */
	uint64_t one = 1;
	(void)!write(wakeFd_.get(), &one, sizeof(one));
	return {};
}

Result<bool> M2mStream::dequeueOutput()
{
	std::vector<GstBuffer *> released;
	std::unique_lock l(lock_);
	auto any = takeDoneOutput(released);
	l.unlock();
	releaseInputs(released);
	return any;
}

/* Every OUTPUT buffer the driver is done with (lock_ held); the input
 * buffers they held go to \a released. */
Result<bool> M2mStream::takeDoneOutput(std::vector<GstBuffer *> &released)
{
	bool any = false;
	for (;;) {
		auto d = output_->dequeue();
		if (!d)
			return d.error();
		if (!*d)
			break;
		if ((*d)->second)
			released.push_back((*d)->second);
		any = true;
	}
	if (any)
		cv_.notify_all();
	return any;
}

/* Unreffing an input can queue it back to another device (an encoder's
 * CAPTURE buffer), which on vicodec runs that device's whole job: never
 * under lock_. */
void M2mStream::releaseInputs(std::vector<GstBuffer *> &released)
{
	for (GstBuffer *b : released)
		gst_buffer_unref(b);
	released.clear();
}

Result<bool> M2mStream::dequeueEvents()
{
	bool any = false;
	for (;;) {
		auto ev = dev_.dequeueEvent();
		if (!ev)
			return ev.error();
		if (!*ev)
			return any;
		any = true;
		if ((*ev)->type != V4L2_EVENT_SOURCE_CHANGE)
			continue;
		DBK_LOG(V4l2, Info, "%s: %s: source change%s", name_.c_str(), dev_.label(),
			!capture_	   ? ""
			: lastBeforeEvent_ ? " (the old frames are out)"
					   : " (after the old frames drain)");
		if (!capture_ || lastBeforeEvent_) {
			lastBeforeEvent_ = false;
			if (auto r = changed_(); !r)
				return r.error();
		} else {
			sourceChangePending_ = true; /* after the LAST buffer */
		}
	}
}

Result<M2mStream::Progress> M2mStream::dispatch()
{
	auto out = dequeueOutput();
	if (!out)
		return out.error();
	Progress progress = *out ? Progress::Some : Progress::None;
	auto ev = dequeueEvents();
	if (!ev)
		return ev.error();
	if (*ev)
		progress = Progress::Some;
	/* After a LAST buffer that waits for its SOURCE_CHANGE, DQBUF only says EPIPE. */
	if (!capture_ || lastBeforeEvent_)
		return progress;
	auto cap = dequeueCapture();
	if (!cap)
		return cap;
	return *cap == Progress::None ? progress : *cap;
}

Result<M2mStream::Progress> M2mStream::dequeueCapture()
{
	Progress progress = Progress::None;
	for (;;) {
		auto d = capture_->dequeue();
		if (!d) {
			if (d.error().code == EPIPE) {
				DBK_LOG(V4l2, Debug, "%s: %s: LAST buffer already dequeued",
					name_.c_str(), dev_.label());
				return Progress::Last;
			}
			return d.error();
		}
		if (!*d)
			break;
		const auto &b = **d;
		progress = Progress::Some;
		const bool emptyLast = b.isLast() && b.totalBytesUsed() == 0;
		if (!emptyLast) {
			if (auto r = deliver(b); !r)
				return r.error();
		} else {
			DBK_LOG(V4l2, Debug, "%s: %s: empty LAST buffer %u: drained", name_.c_str(),
				dev_.label(), b.index);
			if (auto r = deliverLateFrames(b.index); !r)
				return r.error();
			(void)capture_->requeue(b.index);
		}
		if (!b.isLast())
			continue;
		/* The decoder marks LAST and queues SOURCE_CHANGE from the upstream
		 * thread's QBUF: the event may follow the buffer. */
		if (!sourceChangePending_) {
			if (auto r = dequeueEvents(); !r)
				return r.error();
		}
		if (sourceChangePending_) {
			sourceChangePending_ = false;
			if (auto r = changed_(); !r)
				return r.error();
			continue;
		}
		bool drainSent;
		{
			std::lock_guard l(lock_);
			drainSent = drainSent_;
		}
		if (!drainSent) {
			DBK_LOG(V4l2, Debug,
				"%s: %s: LAST buffer before any drain: waiting for its "
				"SOURCE_CHANGE",
				name_.c_str(), dev_.label());
			lastBeforeEvent_ = true;
			return Progress::Some;
		}
		return Progress::Last;
	}
	return progress;
}

/* A frame (or the driver's error for one) out of CAPTURE buffer \a b. */
Result<void> M2mStream::deliver(const v4l2::DequeuedBuffer &b)
{
	uint32_t frame = static_cast<uint32_t>(b.timestampNs / 1000 - 1);
	noteProcessed(frame);
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
	return ready_(frame, buf, b);
}

/*
 * The driver fills CAPTURE buffers in the order they were queued, so one
 * queued before the empty LAST buffer and not dequeued was taken by a job
 * still finishing: a STOP sent once the last OUTPUT buffer came back raced
 * that job (vicodec completes a job's OUTPUT buffer before its CAPTURE
 * buffer, and the STOP hands out the next free CAPTURE buffer as LAST at
 * once). DQBUF only answers EPIPE after a LAST buffer: take those frames
 * through QUERYBUF, in order, or the stream's last frame is lost.
 */
Result<void> M2mStream::deliverLateFrames(unsigned lastIndex)
{
	/* The job is past its OUTPUT buffer: only its CAPTURE buffer is left. */
	constexpr auto kLateFrameWait = std::chrono::milliseconds(500);
	const auto deadline = Clock::now() + kLateFrameWait;
	for (unsigned index : capture_->queuedBefore(lastIndex)) {
		for (;;) {
			auto d = capture_->takeIfDone(index);
			if (!d)
				return d.error();
			if (*d) {
				DBK_LOG(V4l2, Info,
					"%s: %s: CAPTURE buffer %u came after the LAST buffer "
					"(a drain that raced the last job): delivering it",
					name_.c_str(), dev_.label(), index);
				if (auto r = deliver(**d); !r)
					return r;
				break;
			}
			if (interrupted())
				return {}; /* a flush or a stop: the frame is not wanted */
			if (Clock::now() > deadline) {
				DBK_LOG(V4l2, Warning,
					"%s: %s: CAPTURE buffer %u, queued before the LAST buffer, "
					"still not done %lld ms after it: not waiting for it",
					name_.c_str(), dev_.label(), index,
					static_cast<long long>(kLateFrameWait.count()));
				return {};
			}
			std::this_thread::sleep_for(std::chrono::milliseconds(1));
		}
	}
	return {};
}

void M2mStream::noteProcessed(uint32_t frame)
{
	std::lock_guard l(lock_);
	const Clock::time_point queued = queuedAt_[frame % queuedAt_.size()];
	/* A frame queued before CAPTURE was set up waited for that (the
	 * decoder's first SOURCE_CHANGE, a resolution change), not the device. */
	if (queued < captureSetupAt_)
		return;
	const auto dt = std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - queued);
	if (dt.count() > 0 && uint64_t(dt.count()) > maxProcessingNs_)
		maxProcessingNs_ = uint64_t(dt.count());
}

/*
 * Every CAPTURE buffer is downstream, so the driver cannot progress (and the
 * m2m poll reports POLLERR) until one comes back. That is downstream's pace,
 * not a stalled driver: no watchdog.
 */
Result<void> M2mStream::waitForDownstream(int sliceMs)
{
	DBK_LOG(V4l2, Trace, "%s: %s: every CAPTURE buffer is downstream; waiting for one back",
		name_.c_str(), dev_.label());
	struct pollfd p[2] = { { capture_->releaseFd(), POLLIN, 0 }, { wakeFd_.get(), POLLIN, 0 } };
	int r = ::poll(p, 2, sliceMs);
	if (r < 0 && errno != EINTR)
		return Error::fromErrno(errno, "poll on the buffer release eventfd");
	/* Both are consumed: a wake left pending (new input, which cannot
	 * progress without a CAPTURE buffer) would return every poll at once,
	 * and the task would spin until downstream gave a buffer back. */
	uint64_t v;
	for (const auto &fd : p)
		if (r > 0 && (fd.revents & POLLIN))
			(void)!read(fd.fd, &v, sizeof(v));
	std::lock_guard l(lock_);
	lastProgress_ = Clock::now();
	return {};
}

/* Nothing is queued anywhere: sleep until new input (or a stop) wakes us. */
void M2mStream::idle(int sliceMs)
{
	struct pollfd p = { wakeFd_.get(), POLLIN, 0 };
	if (::poll(&p, 1, sliceMs) > 0) {
		uint64_t v;
		(void)!read(p.fd, &v, sizeof(v));
	}
}

Result<void> M2mStream::checkWatchdog()
{
	std::lock_guard l(lock_);
	const unsigned pending = output_->queuedCount();
	const auto quiet =
		std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - lastProgress_);
	if (pending == 0 || quiet.count() < timeoutMs)
		return {};
	Error e{ ETIMEDOUT, "no progress on " + dev_.path() + " (" + dev_.info().driver + ") for " +
				    std::to_string(quiet.count()) + " ms with " +
				    std::to_string(pending) +
				    " input buffers queued: the driver stopped delivering "
				    "(watchdog; raise timeout-ms if the device is this slow)" };
	DBK_LOG(V4l2, Error, "%s: %s", name_.c_str(), e.message.c_str());
	return e;
}

Result<M2mStream::Progress> M2mStream::service(int sliceMs)
{
	{
		std::unique_lock l(lock_);
		if (interrupted_ || !outputStreaming_) {
			l.unlock();
			idle(sliceMs);
			return Progress::None;
		}
	}
	auto d = sendDrainWhenSafe();
	if (!d)
		return d.error();
	if (*d)
		return Progress::Last;
	if (capture_ && capture_->queuedCount() == 0 && capture_->outstanding() > 0) {
		if (auto r = waitForDownstream(sliceMs); !r)
			return r.error();
		return Progress::None;
	}
	auto ev = dev_.wait(POLLIN | POLLOUT | POLLPRI, sliceMs, wakeFd_.get());
	if (!ev) {
		if (ev.error().code != ECANCELED)
			return ev.error();
		uint64_t v;
		(void)!read(wakeFd_.get(), &v, sizeof(v));
		return Progress::None;
	}
	if (*ev == 0) {
		if (auto w = checkWatchdog(); !w)
			return w.error();
		return Progress::None;
	}
	if (enterElement && !enterElement())
		return Progress::None;
	auto p = dispatch();
	if (leaveElement)
		leaveElement();
	if (!p)
		return p;
	if (*p != Progress::None) {
		std::lock_guard l(lock_);
		lastProgress_ = Clock::now();
		if (*p == Progress::Last) {
			drained_ = true;
			cv_.notify_all();
		}
	} else if (*ev & POLLERR) {
		idle(sliceMs); /* nothing queued on either side */
	}
	return p;
}

Result<bool> M2mStream::startDrain(bool encoder)
{
	{
		std::lock_guard l(lock_);
		if (!outputStreaming_)
			return false;
		drainRequested_ = true;
		drainSent_ = false;
		drainEncoder_ = encoder;
		drained_ = false;
	}
	uint64_t one = 1;
	(void)!write(wakeFd_.get(), &one, sizeof(one));
	return true;
}

/* Capture task: true when the drain is over without a command (nothing decodable). */
Result<bool> M2mStream::sendDrainWhenSafe()
{
	bool encoder;
	{
		std::lock_guard l(lock_);
		if (!drainRequested_ || drainSent_)
			return false;
		if (!captureUp_) {
			/* No CAPTURE yet: done once the driver has consumed every input
			 * without announcing a stream (garbage, no header). */
			if (output_->queuedCount() > 0)
				return false;
			DBK_LOG(V4l2, Debug, "%s: %s: nothing decodable queued: drained",
				name_.c_str(), dev_.label());
			drained_ = true;
			cv_.notify_all();
			return true;
		}
		/* Every input consumed first: a decoder that meets a new resolution in
		 * input queued before the STOP ends the drain at the resolution
		 * change's LAST buffer and never decodes the rest (vicodec). */
		if (sourceChangePending_ || lastBeforeEvent_ || output_->queuedCount() > 0)
			return false;
		drainSent_ = true;
		encoder = drainEncoder_;
	}
	DBK_LOG(V4l2, Debug, "%s: %s: draining", name_.c_str(), dev_.label());
	auto r = encoder ? dev_.encoderCommand(V4L2_ENC_CMD_STOP)
			 : dev_.decoderCommand(V4L2_DEC_CMD_STOP);
	if (!r)
		return r.error();
	return false;
}

Result<void> M2mStream::waitDrained()
{
	std::unique_lock l(lock_);
	while (!drained_) {
		if (error_)
			return *error_;
		if (interrupted_ || (flushing && flushing()))
			return Error{ EPIPE, name_ + ": flushing while draining" };
		cv_.wait_for(l, std::chrono::milliseconds(100));
	}
	return {};
}

void M2mStream::fail(const Error &e)
{
	std::lock_guard l(lock_);
	if (!error_)
		error_ = e;
	cv_.notify_all();
}

void M2mStream::interrupt(bool on)
{
	{
		std::lock_guard l(lock_);
		interrupted_ = on;
		cv_.notify_all();
	}
	uint64_t one = 1;
	(void)!write(wakeFd_.get(), &one, sizeof(one));
}

void M2mStream::stop()
{
	captureUp_ = false;
	if (capture_) {
		(void)capture_->stop();
		capture_.reset();
	}
	std::lock_guard l(lock_);
	if (output_) {
		(void)output_->release();
		output_.reset();
	}
	outputStreaming_ = false;
	sourceChangePending_ = false;
	lastBeforeEvent_ = false;
	drainRequested_ = false;
	drainSent_ = false;
	drained_ = false;
}

} /* namespace dmabufkit::gstv4l2 */

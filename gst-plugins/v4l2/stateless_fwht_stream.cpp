/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "stateless_fwht_stream.h"

#include <cerrno>
#include <poll.h>
#include <utility>
#include <unistd.h>

#include "dmabufkit/base/log.h"

namespace dmabufkit::gstv4l2 {

StatelessFwhtStream::StatelessFwhtStream(v4l2::StatelessFwhtSession &session, std::string name,
					 FrameReady ready, ChooseFormat choose,
					 Configured configured)
	: session_(session), name_(std::move(name)), ready_(std::move(ready)),
	  choose_(std::move(choose)), configured_(std::move(configured))
{
}

StatelessFwhtStream::~StatelessFwhtStream()
{
	stop();
}

void StatelessFwhtStream::dropReference()
{
	if (reference_)
		gst_buffer_unref(reference_);
	reference_ = nullptr;
	referenceTs_ = 0;
}

uint64_t StatelessFwhtStream::captureInode(unsigned index) const
{
	return capture_ ? capture_->inode(index) : 0;
}

void StatelessFwhtStream::stop()
{
	dropReference();
	if (capture_) {
		(void)capture_->stop();
		capture_.reset();
	}
	if (imported_) {
		(void)imported_->release();
		imported_.reset();
	}
	if (pool_)
		gst_object_unref(std::exchange(pool_, nullptr));
	session_.stop();
	pending_.clear();
	haveGeometry_ = false;
	haveReference_ = false;
}

void StatelessFwhtStream::flush()
{
	DBK_LOG(V4l2, Debug, "%s: %s: flush, %zu requests dropped", name_.c_str(),
		session_.device().label(), pending_.size());
	/* STREAMOFF returns every buffer; a full stop also frees them, and the next
	 * frame (intra, or skipped) sets everything up again. */
	stop();
}

Result<void> StatelessFwhtStream::reconfigure(const v4l2::FwhtHeader &h)
{
	if (auto r = drain(); !r)
		return r;
	stop();
	const auto offered = session_.captureFormatsFor(h.sampling());
	if (offered.empty())
		return Error{ ENOTSUP, std::string(session_.device().label()) +
					       " writes no raw format for " +
					       h.sampling().toString() };
	auto fourcc = choose_(h, offered);
	if (!fourcc)
		return fourcc.error();
	auto fmt = session_.configure(h, *fourcc, 2);
	if (!fmt)
		return fmt.error();
	/* Negotiate first: import mode decodes into the pool negotiation gives. */
	if (auto r = configured_(*fmt); !r)
		return r;
	if (importPool) {
		GstBufferPool *pool = importPool();
		auto why = pool ? setupImport(pool, *fmt)
				: std::optional<std::string>("downstream offered no buffer pool");
		if (why) {
			DBK_LOG(V4l2, Warning, "%s: %s: not importing: %s; exporting instead",
				name_.c_str(), session_.device().label(), why->c_str());
			if (importRefused)
				importRefused(*why);
		}
	}
	if (!imported_) {
		if (auto r = setupExport(); !r)
			return r;
	}
	geometry_ = h;
	haveGeometry_ = true;
	geometryChanges++;
	DBK_LOG(V4l2, Info, "%s: %s: stream geometry %ux%u, CAPTURE %s, %s", name_.c_str(),
		session_.device().label(), h.width, h.height, fmt->toString().c_str(),
		imported_ ? "importing downstream's dma-bufs" : "exporting its own buffers");
	return {};
}

Result<void> StatelessFwhtStream::setupExport()
{
	auto q = ExportingQueue::create(session_.device(), session_.device().captureType(),
					captureBuffers, name_);
	if (!q)
		return q.error();
	capture_ = std::move(q).value();
	if (auto r = capture_->queueAllFree(); !r)
		return r;
	return capture_->streamOn();
}

/*
 * The request runs only when a CAPTURE buffer is queued. When every buffer
 * is downstream (or held as the reference) the wait is downstream's pace:
 * no watchdog, but a flush ends it.
 */
Result<void> StatelessFwhtStream::waitForCaptureBuffer()
{
	if (imported_)
		return queueImportBuffer();
	for (;;) {
		if (auto e = capture_->takeAsyncError())
			return *e;
		if (capture_->queuedCount() > 0)
			return {};
		if (flushing && flushing())
			return Error{ EPIPE, name_ + ": flushing while waiting for downstream to "
						     "return a buffer" };
		struct pollfd pfd = { capture_->releaseFd(), POLLIN, 0 };
		int r = ::poll(&pfd, 1, 100);
		if (r < 0 && errno != EINTR)
			return Error::fromErrno(errno, "poll on the buffer release eventfd");
		if (r > 0) {
			uint64_t v;
			(void)!read(pfd.fd, &v, sizeof(v));
		}
	}
}

Result<bool> StatelessFwhtStream::queueFrame(const v4l2::FwhtFrame &f, const uint8_t *data,
					     uint32_t frameNumber)
{
	const v4l2::FwhtHeader &h = f.header;
	if (!haveGeometry_ || !h.sameGeometry(geometry_)) {
		if (!h.isIntra()) {
			skippedFrames++;
			DBK_LOG(V4l2, Debug,
				"%s: %s: frame %u is a P frame of a stream not started: skipped",
				name_.c_str(), session_.device().label(), frameNumber);
			return false;
		}
		if (auto r = reconfigure(h); !r)
			return r.error();
	}
	if (!h.isIntra() && !haveReference_) {
		skippedFrames++;
		DBK_LOG(V4l2, Debug, "%s: %s: frame %u is a P frame without a reference: skipped",
			name_.c_str(), session_.device().label(), frameNumber);
		return false;
	}
	/* One request at a time: vicodec decodes one frame at a time anyway. */
	if (auto r = drain(); !r)
		return r.error();
	if (!session_.canSubmit())
		return Error{ EBUSY,
			      std::string(session_.device().label()) +
				      ": no bitstream buffer is free with no request pending" };
	if (auto r = waitForCaptureBuffer(); !r)
		return r.error();
	/* Our own counter: unique across flushes, so a reference is never ambiguous. */
	const uint64_t ts = ++nextTimestamp_ * 1000;
	if (auto r = session_.submit(f, data, ts, h.isIntra() ? 0 : lastTs_); !r)
		return r.error();
	pending_.push_back({ frameNumber, ts });
	lastTs_ = ts;
	haveReference_ = true;
	return true;
}

Result<void> StatelessFwhtStream::dequeueCapture()
{
	if (pending_.empty())
		return {};
	if (auto r = session_.completeOldest(static_cast<int>(timeoutMs)); !r) {
		if (r.error().code == ETIMEDOUT)
			return Error{ ETIMEDOUT,
				      r.error().message + ": the decoder did not finish frame " +
					      std::to_string(pending_.front().frameNumber) };
		return r;
	}
	const Pending p = pending_.front();
	pending_.pop_front();
	if (imported_)
		return dequeueImported(p);
	auto d = capture_->dequeue();
	if (!d)
		return d.error();
	if (!*d)
		return Error{ EIO, std::string(session_.device().label()) + ": request for frame " +
					   std::to_string(p.frameNumber) +
					   " completed but no CAPTURE buffer came back" };
	const auto &b = **d;
	if (b.timestampNs != p.timestampNs)
		DBK_LOG(V4l2, Warning, "%s: %s: CAPTURE timestamp %llu, expected %llu",
			name_.c_str(), session_.device().label(), (unsigned long long)b.timestampNs,
			(unsigned long long)p.timestampNs);
	GstBuffer *buf = nullptr;
	if (b.hasError()) {
		corruptFrames++;
		DBK_LOG(V4l2, Warning,
			"%s: %s: driver flagged frame %u (CAPTURE buffer %u) as an "
			"error",
			name_.c_str(), session_.device().label(), p.frameNumber, b.index);
		if (p.timestampNs == lastTs_)
			haveReference_ = false; /* P frames until the next intra would fail too */
		if (auto r = capture_->requeue(b.index); !r)
			return r;
	} else {
		buf = capture_->wrap(b, allocator);
		if (!buf)
			return Error{ ENOMEM, std::string(session_.device().label()) +
						      ": cannot wrap CAPTURE buffer " +
						      std::to_string(b.index) };
		/* The meta goes on before the buffer is shared (as the reference). */
		addVideoMeta(buf, videoInfo);
		dropReference();
		reference_ = gst_buffer_ref(buf);
		referenceTs_ = b.timestampNs;
		DBK_LOG(V4l2, Trace, "%s: %s: frame %u in CAPTURE buffer %u, held as reference",
			name_.c_str(), session_.device().label(), p.frameNumber, b.index);
	}
	return ready_(p.frameNumber, buf, b);
}

Result<void> StatelessFwhtStream::drain()
{
	while (!pending_.empty())
		if (auto r = dequeueCapture(); !r)
			return r;
	return {};
}

} /* namespace dmabufkit::gstv4l2 */

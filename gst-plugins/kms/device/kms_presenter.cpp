/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "kms_presenter.h"

#include <cerrno>
#include <cinttypes>
#include <cstring>
#include <chrono>
#include <cmath>
#include <ctime>
#include <drm_fourcc.h>
#include <poll.h>
#include <pthread.h>
#include <sys/eventfd.h>
#include <unistd.h>
#include <xf86drm.h>

#include "dmabufkit/base/log.h"
#include "kms_import_refusal.h"

namespace dmabufkit::kms {

namespace {

uint64_t monotonicNs()
{
	timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return uint64_t(ts.tv_sec) * 1000000000ull + uint64_t(ts.tv_nsec);
}

/* Format, size, pitch and offset of framebuffer \a fbId, for a refused commit. */
std::string describeFramebuffer(int fd, uint32_t fbId)
{
	drmModeFB2 *fb = drmModeGetFB2(fd, fbId);
	if (!fb)
		return "(drmModeGetFB2 failed: " + std::string(std::strerror(errno)) + ")";
	FramebufferLayout l;
	l.fourcc = fb->pixel_format;
	l.width = fb->width;
	l.height = fb->height;
	for (unsigned p = 0; p < 4 && fb->handles[p]; ++p) {
		l.pitches[p] = fb->pitches[p];
		l.offsets[p] = fb->offsets[p];
		l.planes = p + 1;
	}
	/* Without the right to see handles, count the planes by their pitches. */
	for (unsigned p = l.planes; p < 4 && fb->pitches[p]; ++p) {
		l.pitches[p] = fb->pitches[p];
		l.offsets[p] = fb->offsets[p];
		l.planes = p + 1;
	}
	drmModeFreeFB2(fb);
	return describeFramebufferNeeds(l);
}

} /* namespace */

Presenter::Presenter(KmsDevice &device) : dev_(device)
{
}

Presenter::~Presenter()
{
	stop();
}

Result<void> Presenter::start()
{
	wakeFd_.reset(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
	if (!wakeFd_) {
		const int err = errno;
		DBK_LOG(Kms, Error, "%s: eventfd for the page-flip loop failed: %s",
			dev_.name().c_str(), std::strerror(err));
		return Error::fromErrno(err, "eventfd");
	}
	quit_ = false;
	thread_ = std::thread([this] { loop(); });
	/* Named so per-thread CPU and wake-ups can be told apart in /proc. */
	pthread_setname_np(thread_.native_handle(), "dbk-kms-flips");
	DBK_LOG(Kms, Debug, "%s: page-flip loop started", dev_.name().c_str());
	return {};
}

void Presenter::wake()
{
	uint64_t one = 1;
	if (wakeFd_ && write(wakeFd_.get(), &one, sizeof(one)) < 0) {
		/* The counter is saturated: the loop is awake anyway. */
	}
}

void Presenter::stop()
{
	if (thread_.joinable()) {
		{
			std::lock_guard g(lock_);
			quit_ = true;
		}
		wake();
		thread_.join();
	}
	std::optional<KmsFrame> a, b;
	{
		std::lock_guard g(lock_);
		a = std::move(pending_);
		b = std::move(onScreen_);
		pending_.reset();
		onScreen_.reset();
		wb_.reset();
		modeBlob_.reset();
		active_.reset();
		writebackActive_ = false;
		displayAttached_ = true;
		dirty_ = false;
	}
	wakeFd_.reset();
	DBK_LOG(Kms, Debug, "%s: presenter stopped, frames released", dev_.name().c_str());
}

void Presenter::flipHandler(int, unsigned, unsigned sec, unsigned usec, unsigned, void *data)
{
	static_cast<Presenter *>(data)->onFlip(sec, usec);
}

void Presenter::onFlip(unsigned sec, unsigned usec)
{
	const uint64_t eventNs = dev_.monotonicTimestamps()
					 ? uint64_t(sec) * 1000000000ull + uint64_t(usec) * 1000ull
					 : monotonicNs();
	std::optional<KmsFrame> old;
	{
		std::lock_guard g(lock_);
		stats_.flips++;
		if (pending_) {
			stats_.lastFlipLatencyUs = eventNs > pending_->commitNs
							   ? (eventNs - pending_->commitNs) / 1000
							   : 0;
			if (pending_->newFrame) {
				stats_.framesShown++;
				if (lastFlipNs_ && eventNs > lastFlipNs_) {
					double us = double(eventNs - lastFlipNs_) / 1000.0;
					stats_.intervals++;
					intervalSum_ += us;
					intervalSumSq_ += us * us;
					stats_.intervalMaxUs = std::max<uint64_t>(
						stats_.intervalMaxUs, uint64_t(us));
				}
				lastFlipNs_ = eventNs;
			}
			DBK_LOG(Kms, Trace, "%s: flip done, FB %u on screen after %" PRIu64 " us",
				dev_.name().c_str(), pending_->fbId, stats_.lastFlipLatencyUs);
			pending_->state = KmsFrame::State::OnScreen;
			old = std::move(onScreen_);
			onScreen_ = std::move(pending_);
			pending_.reset();
		}
	}
	cond_.notify_all();
	if (old)
		old->state = KmsFrame::State::Released; /* and its hold goes with it */
}

void Presenter::loop()
{
	drmEventContext ctx = {};
	ctx.version = 3;
	ctx.page_flip_handler2 = &Presenter::flipHandler;
	for (;;) {
		pollfd fds[3] = { { dev_.fd(), POLLIN, 0 },
				  { wakeFd_.get(), POLLIN, 0 },
				  { -1, POLLIN, 0 } };
		{
			std::lock_guard g(lock_);
			if (quit_)
				return;
			fds[2].fd = wb_.pendingFence();
		}
		/* No timeout: every reason to look again (a flip event, a fence,
		 * stop()) makes one of the fds readable, so idle means asleep. */
		int n = poll(fds, fds[2].fd >= 0 ? 3 : 2, -1);
		if (n < 0 && errno != EINTR) {
			DBK_LOG(Kms, Error,
				"%s: poll in the page-flip loop failed: %s; no more flips "
				"will complete",
				dev_.name().c_str(), std::strerror(errno));
			return;
		}
		if (n <= 0)
			continue;
		if (fds[1].revents & POLLIN) {
			uint64_t v;
			while (read(wakeFd_.get(), &v, sizeof(v)) > 0) {
			}
		}
		if ((fds[0].revents & POLLIN) && drmHandleEvent(dev_.fd(), &ctx) != 0)
			DBK_LOG(Kms, Warning, "%s: drmHandleEvent failed: %s", dev_.name().c_str(),
				std::strerror(errno));
		if (fds[2].fd >= 0 && fds[2].revents) {
			{
				std::lock_guard g(lock_);
				if (wb_.pendingFence() == fds[2].fd) {
					const bool ok = (fds[2].revents & POLLIN) != 0;
					if (ok)
						DBK_LOG(Kms, Debug,
							"%s: writeback capture complete",
							dev_.name().c_str());
					else
						DBK_LOG(Kms, Warning,
							"%s: writeback fence reported an error "
							"(revents 0x%x)",
							dev_.name().c_str(),
							unsigned(fds[2].revents));
					wb_.completed(ok);
				}
			}
			cond_.notify_all();
		}
	}
}

Result<void> Presenter::configure(std::vector<OutputConfig> candidates, bool writeback)
{
	if (candidates.empty())
		return Error{ EINVAL, "no display configuration to try" };
	if (!waitIdle(2000)) {
		DBK_LOG(Kms, Error, "%s: the previous page flip did not complete within 2 s",
			dev_.name().c_str());
		return Error{ ETIMEDOUT, "the previous page flip did not complete within 2 s" };
	}
	if (writeback) {
		if (!dev_.writeback())
			return Error{ ENOTSUP, dev_.path() + " (" + dev_.driver() +
						       ") has no writeback connector for CRTC " +
						       std::to_string(dev_.crtcId()) };
		bool xrgb = false;
		for (uint32_t f : dev_.writebackFormats())
			xrgb |= f == DRM_FORMAT_XRGB8888;
		if (!xrgb)
			return Error{ ENOTSUP, "the writeback connector cannot capture XRGB8888" };
	}
	DBK_LOG(Kms, Debug, "%s: %zu display configurations to try with the next frame%s",
		dev_.name().c_str(), candidates.size(), writeback ? ", writeback attached" : "");
	std::lock_guard g(lock_);
	candidates_ = std::move(candidates);
	writeback_ = writeback;
	dirty_ = true;
	return {};
}

std::optional<OutputConfig> Presenter::active() const
{
	std::lock_guard g(lock_);
	return active_;
}

static bool sameMode(const drmModeModeInfo &a, const drmModeModeInfo &b)
{
	return a.hdisplay == b.hdisplay && a.vdisplay == b.vdisplay && a.clock == b.clock &&
	       a.htotal == b.htotal && a.vtotal == b.vtotal && a.flags == b.flags;
}

/* Find the first candidate the display accepts, with lock_ held. Leaves the
 * writeback buffers sized for it and modeBlob_/active_ set. */
Result<void> Presenter::applyConfig(const KmsFrame &frame)
{
	std::string tried;
	/* Writeback alongside the display needs the two encoders to be clones;
	 * vkms in 6.12 does not declare them so, and then the CRTC can only feed
	 * the writeback connector: try that second. */
	std::vector<std::pair<const OutputConfig *, bool>> tries;
	for (const OutputConfig &c : candidates_) {
		tries.emplace_back(&c, true);
		if (writeback_)
			tries.emplace_back(&c, false);
	}
	for (const auto &[cp, withDisplay] : tries) {
		const OutputConfig &c = *cp;
		const bool keepMode =
			active_ && modeBlob_.isValid() && sameMode(active_->mode, c.mode);
		/* A new mode gets its own blob, destroyed unless the commit makes it current. */
		PropertyBlob fresh;
		if (!keepMode) {
			auto b = PropertyBlob::create(dev_.fd(), &c.mode, sizeof(c.mode),
						      dev_.name());
			if (!b)
				return Error{ b.error().code,
					      b.error().message + " for mode " + modeName(c.mode) };
			fresh = std::move(*b);
		}
		const uint32_t blob = keepMode ? modeBlob_.id() : fresh.id();
		if (writeback_ && (!wb_.configured() || !keepMode)) {
			if (auto r = wb_.configure(dev_.fd(), c.mode.hdisplay, c.mode.vdisplay,
						   dev_.name());
			    !r)
				return r.error();
		}
		const bool modeset = !keepMode || writeback_ != writebackActive_ ||
				     withDisplay != displayAttached_;
		AtomicRequest req;
		const auto &pl = dev_.plane();
		const Placement &p = c.placement;
		req.set(pl, "FB_ID", frame.fbId);
		req.set(pl, "CRTC_ID", dev_.crtcId());
		req.set(pl, "SRC_X", uint64_t(p.src.x) << 16);
		req.set(pl, "SRC_Y", uint64_t(p.src.y) << 16);
		req.set(pl, "SRC_W", uint64_t(p.src.width) << 16);
		req.set(pl, "SRC_H", uint64_t(p.src.height) << 16);
		req.set(pl, "CRTC_X", uint64_t(int64_t(p.dst.x)));
		req.set(pl, "CRTC_Y", uint64_t(int64_t(p.dst.y)));
		req.set(pl, "CRTC_W", p.dst.width);
		req.set(pl, "CRTC_H", p.dst.height);
		uint32_t flags = 0;
		if (modeset) {
			req.set(dev_.crtc(), "MODE_ID", blob);
			req.set(dev_.crtc(), "ACTIVE", 1);
			req.set(dev_.connector(), "CRTC_ID", withDisplay ? dev_.crtcId() : 0);
			if (dev_.writeback())
				req.set(*dev_.writeback(), "CRTC_ID",
					writeback_ ? dev_.crtcId() : 0);
			flags |= DRM_MODE_ATOMIC_ALLOW_MODESET;
		}
		stats_.testCommits++;
		auto t = req.test(dev_.fd(), flags);
		if (!t) {
			const std::string config =
				"mode " + modeName(c.mode) + " (" + c.reason + ")" +
				(withDisplay ? "" : " writeback only") + " with the frame at " +
				std::to_string(p.dst.x) + "," + std::to_string(p.dst.y) + " " +
				std::to_string(p.dst.width) + "x" + std::to_string(p.dst.height);
			const std::string fb = "plane " + std::to_string(dev_.planeId()) + ", FB " +
					       std::to_string(frame.fbId) + " " +
					       describeFramebuffer(dev_.fd(), frame.fbId);
			DBK_LOG(Kms, Info, "%s: TEST_ONLY rejected %s on %s (errno %d): %s",
				dev_.name().c_str(), config.c_str(), fb.c_str(), t.error().code,
				t.error().message.c_str());
			tried += "; " + config + " on " + fb + ": " + t.error().message;
			continue;
		}
		auto r = req.commit(dev_.fd(),
				    flags | DRM_MODE_ATOMIC_NONBLOCK | DRM_MODE_PAGE_FLIP_EVENT,
				    this);
		if (!r) {
			DBK_LOG(Kms, Error,
				"%s: commit of mode %s failed after its TEST_ONLY passed: %s",
				dev_.name().c_str(), modeName(c.mode).c_str(),
				r.error().message.c_str());
			return r.error();
		}
		if (!keepMode)
			modeBlob_ = std::move(fresh);
		if (&c != &candidates_.front() || !withDisplay)
			DBK_LOG(Kms, Warning,
				"%s: fell back to mode %s (%s)%s: the display rejected the better "
				"configurations%s",
				dev_.name().c_str(), modeName(c.mode).c_str(), c.reason.c_str(),
				withDisplay ? "" : " feeding only the writeback connector",
				withDisplay ? ""
					    : " (display and writeback connectors are not clones)");
		DBK_LOG(Kms, Info,
			"%s: showing %s (%s) on %s plane %u, frame %ux%u+%d+%d -> %ux%u+%d+%d, "
			"output %s%s",
			dev_.name().c_str(), modeName(c.mode).c_str(), c.reason.c_str(),
			dev_.planeIsPrimary() ? "primary" : "overlay", dev_.planeId(), p.src.width,
			p.src.height, p.src.x, p.src.y, p.dst.width, p.dst.height, p.dst.x, p.dst.y,
			withDisplay ? "display" : "writeback-only", modeset ? " (modeset)" : "");
		active_ = c;
		active_->displayAttached = withDisplay;
		writebackActive_ = writeback_;
		displayAttached_ = withDisplay;
		if (!writeback_)
			wb_.reset();
		dirty_ = false;
		return {};
	}
	Error e{ EINVAL,
		 "the display accepts none of the configurations tried (TEST_ONLY)" + tried };
	DBK_LOG(Kms, Error, "%s: %s", dev_.name().c_str(), e.message.c_str());
	return e;
}

Result<void> Presenter::present(KmsFrame frame, int timeoutMs)
{
	std::unique_lock g(lock_);
	/* GstVideoSink shows the preroll buffer, then renders the same buffer:
	 * when it is already committed with the current configuration, a second
	 * commit would only cost a vblank. */
	if (!frame.newFrame && !dirty_ && !flushing_) {
		const std::optional<KmsFrame> &latest = pending_ ? pending_ : onScreen_;
		if (latest && latest->fbId == frame.fbId) {
			DBK_LOG(Kms, Trace, "%s: FB %u already committed, not committing again",
				dev_.name().c_str(), frame.fbId);
			return {};
		}
	}
	auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeoutMs);
	while (pending_ && !flushing_) {
		if (cond_.wait_until(g, deadline) == std::cv_status::timeout && pending_) {
			DBK_LOG(Kms, Error,
				"%s: the page flip of FB %u on CRTC %u did not complete within %d "
				"ms",
				dev_.name().c_str(), pending_->fbId, dev_.crtcId(), timeoutMs);
			return Error{ ETIMEDOUT, "the page flip on CRTC " +
							 std::to_string(dev_.crtcId()) +
							 " did not complete within " +
							 std::to_string(timeoutMs) + " ms" };
		}
	}
	if (flushing_)
		return Error{ EAGAIN, "flushing" };

	frame.commitNs = monotonicNs();
	if (dirty_) {
		if (auto r = applyConfig(frame); !r) {
			stats_.failedCommits++;
			return r.error();
		}
	} else {
		AtomicRequest req;
		req.set(dev_.plane(), "FB_ID", frame.fbId);
		if (auto r = req.commit(dev_.fd(),
					DRM_MODE_ATOMIC_NONBLOCK | DRM_MODE_PAGE_FLIP_EVENT, this);
		    !r) {
			DBK_LOG(Kms, Error, "%s: page-flip commit of FB %u failed: %s",
				dev_.name().c_str(), frame.fbId, r.error().message.c_str());
			stats_.failedCommits++;
			return r.error();
		}
	}
	stats_.commits++;
	DBK_LOG(Kms, Trace, "%s: committed FB %u on plane %u (commit %" PRIu64 "%s)",
		dev_.name().c_str(), frame.fbId, dev_.planeId(), stats_.commits,
		frame.newFrame ? "" : ", same frame again");
	frame.state = KmsFrame::State::Committed;
	pending_ = std::move(frame);
	/* No wake(): the loop already polls the DRM fd, where this commit's
	 * event arrives. Waking it per frame cost a thread switch and three
	 * syscalls per frame; only capture() adds an fd (its fence) to poll. */
	return {};
}

Result<void> Presenter::capture(int timeoutMs)
{
	std::unique_lock g(lock_);
	auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeoutMs);
	auto idle = [this] { return !pending_ && wb_.pendingFence() < 0; };
	if (!cond_.wait_until(g, deadline, idle)) {
		DBK_LOG(Kms, Error, "%s: the display did not become idle for the capture",
			dev_.name().c_str());
		return Error{ ETIMEDOUT, "the display did not become idle for the capture" };
	}
	if (!writebackActive_ || !onScreen_)
		return Error{ ENODATA, "no frame on screen with the writeback connector attached" };
	const unsigned slot = wb_.nextSlot();
	if (slot == UINT32_MAX)
		return Error{ EBUSY, "no free writeback buffer" };
	int32_t fence = -1;
	AtomicRequest req;
	req.set(dev_.plane(), "FB_ID", onScreen_->fbId);
	req.set(*dev_.writeback(), "WRITEBACK_FB_ID", wb_.fbId(slot));
	req.set(*dev_.writeback(), "WRITEBACK_OUT_FENCE_PTR",
		static_cast<uint64_t>(reinterpret_cast<uintptr_t>(&fence)));
	KmsFrame again = *onScreen_;
	again.newFrame = false;
	again.commitNs = monotonicNs();
	if (auto r = req.commit(dev_.fd(), DRM_MODE_ATOMIC_NONBLOCK | DRM_MODE_PAGE_FLIP_EVENT,
				this);
	    !r) {
		DBK_LOG(Kms, Error, "%s: writeback commit of FB %u into writeback FB %u failed: %s",
			dev_.name().c_str(), onScreen_->fbId, wb_.fbId(slot),
			r.error().message.c_str());
		return r.error();
	}
	stats_.commits++;
	if (fence < 0) {
		DBK_LOG(Kms, Error, "%s: the kernel returned no writeback fence",
			dev_.name().c_str());
		return Error{ EIO, "the kernel returned no writeback fence" };
	}
	DBK_LOG(Kms, Debug, "%s: capturing FB %u through writeback connector %u into FB %u",
		dev_.name().c_str(), onScreen_->fbId, dev_.writeback()->objectId, wb_.fbId(slot));
	wb_.queued(slot, fence);
	pending_ = std::move(again);
	const uint64_t before = wb_.captures() + wb_.failures();
	g.unlock();
	wake();
	g.lock();
	if (!cond_.wait_until(g, deadline,
			      [&] { return wb_.captures() + wb_.failures() > before; })) {
		DBK_LOG(Kms, Error, "%s: the writeback capture did not complete within %d ms",
			dev_.name().c_str(), timeoutMs);
		return Error{ ETIMEDOUT, "the writeback capture did not complete within " +
						 std::to_string(timeoutMs) + " ms" };
	}
	if (!wb_.hasCapture() || wb_.failures() + wb_.captures() == before) {
		DBK_LOG(Kms, Error, "%s: the writeback capture failed", dev_.name().c_str());
		return Error{ EIO, "the writeback capture failed" };
	}
	return {};
}

bool Presenter::waitIdle(int timeoutMs)
{
	std::unique_lock g(lock_);
	return cond_.wait_for(g, std::chrono::milliseconds(timeoutMs), [this] {
		return !thread_.joinable() || (!pending_ && wb_.pendingFence() < 0);
	});
}

void Presenter::setFlushing(bool flushing)
{
	{
		std::lock_guard g(lock_);
		flushing_ = flushing;
	}
	cond_.notify_all();
}

Presenter::Stats Presenter::stats() const
{
	std::lock_guard g(lock_);
	Stats s = stats_;
	if (s.intervals) {
		s.intervalMeanUs = intervalSum_ / double(s.intervals);
		double var =
			intervalSumSq_ / double(s.intervals) - s.intervalMeanUs * s.intervalMeanUs;
		s.intervalStddevUs = var > 0 ? std::sqrt(var) : 0;
	}
	s.writebackCaptures = wb_.captures();
	s.writebackFailures = wb_.failures();
	return s;
}

Result<bool> Presenter::latestCapture(Capture *out, int fenceTimeoutMs) const
{
	std::lock_guard g(lock_);
	return wb_.copyLatest(out, fenceTimeoutMs);
}

} /* namespace dmabufkit::kms */

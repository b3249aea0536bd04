/* SPDX-License-Identifier: LGPL-2.1-or-later */
/**
 * \file kms_presenter.h
 * \brief Presents framebuffers with non-blocking atomic commits.
 *
 * One commit is in flight at a time. Its page-flip event arrives on a poll
 * loop (own thread) and moves the frame from Committed to OnScreen; only then
 * is the frame it replaces released, so a buffer is never given back while
 * the display may still scan it out. Configuration changes (mode, placement,
 * writeback attachment) are checked with a TEST_ONLY commit first.
 */
#pragma once

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "dmabufkit/base/result.h"
#include "dmabufkit/base/unique_fd.h"
#include "kms_atomic_request.h"
#include "kms_device.h"
#include "kms_mode.h"
#include "kms_property_blob.h"
#include "kms_writeback.h"

namespace dmabufkit::kms {

/** \brief A frame handed to the display, and where it is in its life. */
struct KmsFrame {
	enum class State { Committed, OnScreen, Released };
	uint32_t fbId = 0;
	std::shared_ptr<void> hold; /**< keeps the frame's memory alive; reset on release */
	bool newFrame = true;	    /**< false when re-showing the frame on screen (preroll) */
	State state = State::Committed;
	uint64_t commitNs = 0;
};

/** \brief One way to show the stream: a mode and where the frame goes. */
struct OutputConfig {
	drmModeModeInfo mode{};
	Placement placement;
	std::string reason; /**< why this mode ("current", "matches the video", ...) */
	/** Set by the presenter: false when the CRTC feeds only the writeback connector. */
	bool displayAttached = true;
};

class Presenter
{
public:
	struct Stats {
		uint64_t commits = 0;
		uint64_t flips = 0;
		uint64_t framesShown = 0;
		uint64_t failedCommits = 0;
		uint64_t testCommits = 0;
		uint64_t lastFlipLatencyUs = 0;
		uint64_t intervals = 0;
		double intervalMeanUs = 0;
		double intervalStddevUs = 0;
		uint64_t intervalMaxUs = 0;
		uint64_t writebackCaptures = 0;
		uint64_t writebackFailures = 0;
	};

	explicit Presenter(KmsDevice &device);
	~Presenter();

	Result<void> start();
	/** \brief Stop the event loop and release every frame (after restoring the CRTC). */
	void stop();

	/**
	 * \brief Show the next frames with the first of \a candidates the
	 *        display accepts (TEST_ONLY with the next frame); attach the
	 *        writeback connector when \a writeback.
	 */
	Result<void> configure(std::vector<OutputConfig> candidates, bool writeback);
	/** \brief The configuration in use, once a frame was committed with it. */
	std::optional<OutputConfig> active() const;
	/**
	 * \brief Commit \a frame after the previous flip completed (waiting at
	 *        most \a timeoutMs). EAGAIN while flushing.
	 */
	Result<void> present(KmsFrame frame, int timeoutMs);
	/**
	 * \brief Capture the frame on screen through the writeback connector:
	 *        re-commit it with WRITEBACK_FB_ID and wait for the out-fence.
	 *
	 * On demand rather than with every frame: vkms (6.12) turns its
	 * composer off when a finished capture is cleaned up, even if the next
	 * capture is already queued, and that capture then never completes.
	 */
	Result<void> capture(int timeoutMs);
	/** \brief Wait until no flip and no capture is in flight. */
	bool waitIdle(int timeoutMs);
	/** \brief Wake and fail waits in present() (GstBaseSink unlock). */
	void setFlushing(bool flushing);

	Stats stats() const;
	/** \brief The latest writeback capture (see WritebackCapture::copyLatest). */
	Result<bool> latestCapture(Capture *out, int fenceTimeoutMs) const;

private:
	void loop();
	void onFlip(unsigned sec, unsigned usec);
	static void flipHandler(int fd, unsigned seq, unsigned sec, unsigned usec, unsigned crtc,
				void *data);
	void wake();

	KmsDevice &dev_;
	mutable std::mutex lock_;
	std::condition_variable cond_;
	std::thread thread_;
	UniqueFD wakeFd_;
	bool quit_ = false;
	bool flushing_ = false;

	Result<void> applyConfig(const KmsFrame &frame);

	std::vector<OutputConfig> candidates_;
	std::optional<OutputConfig> active_;
	bool writeback_ = false;       /* wanted */
	bool writebackActive_ = false; /* attached to the CRTC */
	bool displayAttached_ = true;
	bool dirty_ = false;
	PropertyBlob modeBlob_; /* MODE_ID of active_ */

	std::optional<KmsFrame> pending_;
	std::optional<KmsFrame> onScreen_;
	WritebackCapture wb_;
	Stats stats_;
	uint64_t lastFlipNs_ = 0;
	double intervalSum_ = 0, intervalSumSq_ = 0;
};

} /* namespace dmabufkit::kms */

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The live preview: at most every kIntervalNs a thumbnail of a buffer passing
 * the watched link is taken on its streaming thread (offer()), and the
 * publisher thread picks the newest one up (take()) and sends it as a
 * "preview" line (docs/tracer-protocol.md).
 *
 * What the streaming thread pays: one comparison per buffer on every pad
 * (is this the watched link?), and on the watched link one more (is a
 * thumbnail due?). When one is due: a bounded wait for the devices still
 * writing the frame (fence-timeout; past it, no preview of that frame and a
 * notice), a read-only map of the frame (for
 * dma-bufs that is where the SYNC bracketing happens) and ~19 200 sampled
 * pixels written into storage allocated once. It never waits: when the
 * publisher is copying the last thumbnail out, this one is skipped.
 */
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include <gst/video/video.h>

#include "thumbnail.h"

namespace dmabufkit::dmabuftrace {

/* A thumbnail as the publisher gets it. */
struct PreviewImage {
	uint64_t linkSerial = 0; /* the PadStats serial of the link it was taken on */
	uint64_t seq = 0;
	double t = 0;
	uint64_t pts = GST_CLOCK_TIME_NONE;
	std::string sourceFormat;
	int sourceWidth = 0;
	int sourceHeight = 0;
	int width = 0;
	int height = 0;
	std::vector<uint8_t> rgb; /* width * height * 3 */
};

class PreviewTap
{
public:
	static constexpr uint64_t kIntervalNs = 500 * GST_MSECOND; /* 2 a second at most */

	explicit PreviewTap(std::chrono::steady_clock::time_point start) : start_(start) {}
	~PreviewTap();

	/* The bound on waiting for a frame's fences before mapping it (ms; 0: none). */
	void setFenceTimeout(int ms) { fenceTimeoutMs_ = ms; }
	/* Which link to watch (a PadStats serial; 0: none). Publisher thread. */
	void watch(uint64_t linkSerial);
	/* Streaming thread, every buffer of every pad: cheap unless @linkSerial is watched. */
	void offer(uint64_t linkSerial, GstPad *pad, GstBuffer *buf)
	{
		if (G_LIKELY(linkSerial != watched_.load(std::memory_order_relaxed)))
			return;
		capture(linkSerial, pad, buf);
	}

	/* Publisher thread: the newest thumbnail not taken yet. */
	bool take(PreviewImage &out);
	/* Publisher thread: why there is no preview, once per cause; "" when nothing new. */
	std::string takeNotice();

private:
	void capture(uint64_t linkSerial, GstPad *pad, GstBuffer *buf);
	bool updateCaps(GstPad *pad);

	const std::chrono::steady_clock::time_point start_;
	std::atomic<uint64_t> watched_{ 0 };
	/* Nanoseconds since start_ before which no frame is taken. One clock
	   for the limit and for "t", so two previews are never stamped closer
	   than kIntervalNs. */
	std::atomic<uint64_t> next_{ 0 };
	int fenceTimeoutMs_ = 1000;

	/* Everything below: under mutex_ (the streaming side only try-locks). */
	std::mutex mutex_;
	GstCaps *caps_ = nullptr; /* the caps thumb_ is configured for (a reference) */
	GstVideoInfo info_{};
	bool usable_ = false;
	Thumbnail thumb_;
	std::array<uint8_t, Thumbnail::kMaxBytes> pixels_{};
	/* The last thumbnail taken: what it shows and where it came from. */
	uint64_t seq_ = 0;
	uint64_t taken_ = 0;
	uint64_t serial_ = 0;
	double t_ = 0;
	uint64_t pts_ = GST_CLOCK_TIME_NONE;
	GstVideoFormat format_ = GST_VIDEO_FORMAT_UNKNOWN;
	int sourceWidth_ = 0, sourceHeight_ = 0, width_ = 0, height_ = 0;
	std::string notice_; /* set once per cause; cleared by takeNotice() */
	std::string lastNotice_;
	void note(const std::string &why);
};

/* Where a preview was taken, for its protocol line. */
struct PreviewSource {
	std::string linkId;
	std::string sinkId;
	std::string sinkPad;
};

/* The "preview" protocol line (docs/tracer-protocol.md). Publisher thread;
   @base64 is scratch space kept between calls. */
std::string previewLine(const PreviewImage &image, const PreviewSource &source, uint64_t seq,
			std::string &base64);

} /* namespace dmabufkit::dmabuftrace */

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * dbk-device-latency: vicodec's own time per frame, one frame at a time at a
 * live pace, with no GStreamer. For each frame: QBUF the OUTPUT buffer, wait
 * for the CAPTURE buffer, DQBUF it; the time between is what the device takes
 * for that frame (vicodec codes inside the QBUF) plus what any client pays
 * for one QBUF, poll and DQBUF. codec-bench compares the codec elements'
 * pad-to-pad latency with this, median with median and p95 with p95.
 *
 * Usage: dbk-device-latency ENCODER DECODER RAW_NV12 WIDTH HEIGHT FRAMES FPS SKIP
 * Encodes FRAMES frames of RAW_NV12 (read in advance), then decodes what it
 * encoded, pacing each at FPS; drops the first SKIP of each from the figures.
 * Prints {"enc": {...}, "dec": {...}} with frames, median_ms, p95_ms, max_ms.
 */
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "dmabufkit/core/cpu_access.h"
#include "dmabufkit/v4l2/buffer_queue.h"
#include "dmabufkit/v4l2/video_device.h"

using namespace dmabufkit;
using namespace dmabufkit::v4l2;
using Clock = std::chrono::steady_clock;
using Frames = std::vector<std::vector<uint8_t>>;

namespace {

constexpr unsigned kBuffers = 4;

[[noreturn]] void die(const std::string &what, const Error &e)
{
	std::fprintf(stderr, "dbk-device-latency: %s: %s\n", what.c_str(), e.message.c_str());
	std::exit(1);
}

template<typename T> T check(Result<T> r, const std::string &what)
{
	if (!r)
		die(what, r.error());
	if constexpr (!std::is_void_v<T>)
		return std::move(r).value();
}

/* A queue's MMAP buffer, exported and mapped once (single plane). */
struct MappedBuffer {
	UniqueFD fd;
	CpuMapping map;
};

std::vector<MappedBuffer> mapBuffers(const BufferQueue &q)
{
	std::vector<MappedBuffer> maps;
	for (unsigned i = 0; i < q.count(); ++i) {
		auto fds = check(q.exportBuffer(i), "VIDIOC_EXPBUF");
		auto len = check(q.planeLengths(i), "plane lengths");
		auto map = check(CpuMapping::map(fds[0].get(), len[0]), "mmap");
		maps.push_back({ std::move(fds[0]), std::move(map) });
	}
	return maps;
}

/* CAPTURE again after the decoder's first SOURCE_CHANGE: the stream (our
 * format already) goes on once the queue restarts. */
void restartCapture(BufferQueue &cap)
{
	check(cap.streamOff(), "CAPTURE STREAMOFF");
	for (unsigned i = 0; i < cap.count(); ++i)
		check(cap.queueMmap(i), "CAPTURE VIDIOC_QBUF");
	check(cap.streamOn(), "CAPTURE STREAMON");
}

/* The next CAPTURE buffer: poll, then DQBUF. A SOURCE_CHANGE event is read;
 * the LAST buffer before it (or EPIPE) restarts CAPTURE. */
DequeuedBuffer nextCapture(const VideoDevice &dev, BufferQueue &cap)
{
	const auto deadline = Clock::now() + std::chrono::seconds(5);
	for (;;) {
		auto d = cap.dequeue();
		if (!d && d.error().code == EPIPE) {
			restartCapture(cap);
			continue;
		}
		if (auto got = check(std::move(d), "CAPTURE VIDIOC_DQBUF")) {
			if (!got->isLast() || got->bytesUsed[0] > 0)
				return *got;
			restartCapture(cap);
			continue;
		}
		if (Clock::now() > deadline)
			die(dev.label(), Error{ ETIMEDOUT, "no CAPTURE buffer within 5 s" });
		const short ev = check(dev.poll(POLLIN | POLLPRI, 200, -1), "poll");
		if (ev & POLLPRI)
			while (check(dev.dequeueEvent(), "VIDIOC_DQEVENT"))
				;
	}
}

void reclaimOutput(BufferQueue &out)
{
	while (check(out.dequeue(), "OUTPUT VIDIOC_DQBUF"))
		;
}

/*
 * Feeds \a in one frame per period through an m2m device whose queues are set
 * up and CAPTURE streaming; \a keep receives the CAPTURE payloads. Returns
 * each frame's QBUF-to-DQBUF time in ms.
 */
std::vector<double> paced(const VideoDevice &dev, BufferQueue &out, BufferQueue &cap,
			  const Frames &in, double fps, Frames *keep)
{
	auto outMaps = mapBuffers(out);
	auto capMaps = mapBuffers(cap);
	std::vector<double> ms;
	const auto period = std::chrono::duration<double>(1.0 / fps);
	const auto start = Clock::now();
	for (size_t n = 0; n < in.size(); ++n) {
		std::this_thread::sleep_until(
			start + std::chrono::duration_cast<Clock::duration>(period * double(n)));
		const unsigned i = unsigned(n % out.count());
		reclaimOutput(out);
		{
			auto a =
				check(CpuAccess::begin(outMaps[i].fd.get(), Access::Write), "sync");
			std::memcpy(outMaps[i].map.data(), in[n].data(), in[n].size());
		}
		const auto t0 = Clock::now();
		check(out.queueMmap(i, { uint32_t(in[n].size()) }, n * 1000), "OUTPUT VIDIOC_QBUF");
		const DequeuedBuffer d = nextCapture(dev, cap);
		ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
		if (keep) {
			auto a = check(CpuAccess::begin(capMaps[d.index].fd.get(), Access::Read),
				       "sync");
			const uint8_t *p = capMaps[d.index].map.data();
			keep->emplace_back(p, p + d.bytesUsed[0]);
		}
		check(cap.queueMmap(d.index), "CAPTURE VIDIOC_QBUF");
	}
	return ms;
}

std::string summary(std::vector<double> ms, unsigned skip)
{
	ms.erase(ms.begin(), ms.begin() + std::min<size_t>(skip, ms.size()));
	std::sort(ms.begin(), ms.end());
	auto at = [&](double q) {
		return ms.empty() ? 0.0 : ms[size_t(q * double(ms.size() - 1))];
	};
	char s[160];
	std::snprintf(s, sizeof(s),
		      "{\"frames\": %zu, \"median_ms\": %.3f, \"p95_ms\": %.3f, \"max_ms\": %.3f}",
		      ms.size(), at(0.5), at(0.95), ms.empty() ? 0.0 : ms.back());
	return s;
}

DeviceFormat format(uint32_t fourcc, uint32_t w, uint32_t h)
{
	DeviceFormat f;
	f.fourcc = fourcc;
	f.width = w;
	f.height = h;
	return f;
}

/*
 * Open the m2m device at \a path, set its formats, stream MMAP buffers on
 * both queues and time \a in through it. A stateful decoder announces its
 * CAPTURE format after the first frame (SOURCE_CHANGE): that frame is
 * timed like the rest, and the caller's SKIP drops it.
 */
std::vector<double> runPaced(const char *path, const std::string &role, uint32_t outFourcc,
			     uint32_t capFourcc, uint32_t w, uint32_t h, const Frames &in,
			     double fps, Frames *keep)
{
	auto dev = check(VideoDevice::open(path), path);
	check(dev->setFormat(dev->outputType(), format(outFourcc, w, h)), role + " OUTPUT");
	check(dev->setFormat(dev->captureType(), format(capFourcc, w, h)), role + " CAPTURE");
	BufferQueue out(*dev, dev->outputType()), cap(*dev, dev->captureType());
	check(out.allocate(kBuffers, V4L2_MEMORY_MMAP), role + " OUTPUT REQBUFS");
	check(cap.allocate(kBuffers, V4L2_MEMORY_MMAP), role + " CAPTURE REQBUFS");
	for (unsigned i = 0; i < cap.count(); ++i)
		check(cap.queueMmap(i), role + " CAPTURE QBUF");
	if (outFourcc == V4L2_PIX_FMT_FWHT)
		check(dev->subscribeEvent(V4L2_EVENT_SOURCE_CHANGE),
		      role + " VIDIOC_SUBSCRIBE_EVENT");
	check(out.streamOn(), role + " OUTPUT STREAMON");
	check(cap.streamOn(), role + " CAPTURE STREAMON");
	return paced(*dev, out, cap, in, fps, keep);
}

} /* namespace */

int main(int argc, char **argv)
{
	if (argc != 9) {
		std::fprintf(stderr, "usage: dbk-device-latency ENCODER DECODER RAW_NV12 WIDTH "
				     "HEIGHT FRAMES FPS SKIP\n");
		return 2;
	}
	const uint32_t w = uint32_t(atoi(argv[4])), h = uint32_t(atoi(argv[5]));
	const unsigned frames = unsigned(atoi(argv[6])), skip = unsigned(atoi(argv[8]));
	const double fps = atof(argv[7]);
	Frames raw(frames, std::vector<uint8_t>(size_t(w) * h * 3 / 2));
	std::ifstream file(argv[3], std::ios::binary);
	for (auto &f : raw)
		if (!file.read(reinterpret_cast<char *>(f.data()), std::streamsize(f.size())))
			die(argv[3], Error{ EIO, "fewer frames than asked" });

	Frames fwht;
	const auto encMs = runPaced(argv[1], "encoder", V4L2_PIX_FMT_NV12, V4L2_PIX_FMT_FWHT, w, h,
				    raw, fps, &fwht);
	const auto decMs = runPaced(argv[2], "decoder", V4L2_PIX_FMT_FWHT, V4L2_PIX_FMT_NV12, w, h,
				    fwht, fps, nullptr);

	std::printf("{\"enc\": %s, \"dec\": %s}\n", summary(encMs, skip).c_str(),
		    summary(decMs, skip).c_str());
	return 0;
}

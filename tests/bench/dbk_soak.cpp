/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * dbk-soak: run one live pipeline for a long time and fail when what it holds
 * keeps growing once warmed up.
 *
 *   dbk-soak [--seconds N] [--interval S] [--label NAME] [--inject-leak fd|memory]
 *            PIPELINE...
 *
 * Every S seconds (default 10) it samples the process's resident set (RSS),
 * its open fds (/proc/self/fd) and the live dma-bufs of the whole system
 * (debugfs bufinfo), and the frames that reached the sinks. After N seconds
 * (default 600) it stops the pipeline and judges each series with
 * judgeTrend() (soak_trend.h): over the second half of the run, the
 * least-squares slope times the run's length must stay within 1 fd, 1 dma-buf
 * and 1024 KiB of RSS. It also fails when the pipeline errors, ends, or stops
 * delivering frames in the second half. The result is one JSON object on the
 * last line of stdout; progress and verdicts go to stderr.
 *
 * --inject-leak proves the detector on a real run: every 10th frame at a sink
 * keeps a dup of the frame's fd (fd) or 256 KiB of touched heap (memory).
 */
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <gst/allocators/allocators.h>
#include <gst/gst.h>
#include <string>
#include <unistd.h>
#include <vector>

#include "leak_counters.h"
#include "soak_trend.h"

using dmabufkit::test::SoakPoint;
using dmabufkit::test::TrendVerdict;

namespace {

std::atomic<uint64_t> frames{ 0 };
std::string injectLeak;

struct Sample {
	double t;
	uint64_t frames;
	long rssKib;
	int fds;
	int dmabufs;
};

long rssKib()
{
	long size = 0, resident = 0;
	FILE *f = std::fopen("/proc/self/statm", "r");
	if (!f)
		return -1;
	if (std::fscanf(f, "%ld %ld", &size, &resident) != 2)
		resident = -1;
	std::fclose(f);
	return resident < 0 ? -1 : resident * (sysconf(_SC_PAGESIZE) / 1024);
}

/* The deliberate leak of --inject-leak, once every 10 frames. */
void leakOnce(GstBuffer *buf)
{
	if (injectLeak == "fd") {
		GstMemory *mem =
			gst_buffer_n_memory(buf) ? gst_buffer_peek_memory(buf, 0) : nullptr;
		int fd = mem && gst_is_dmabuf_memory(mem) ? dup(gst_dmabuf_memory_get_fd(mem))
							  : open("/dev/null", O_RDONLY | O_CLOEXEC);
		(void)fd; /* kept open on purpose */
	} else if (injectLeak == "memory") {
		void *p = std::malloc(256 * 1024);
		std::memset(p, 0x5a, 256 * 1024);
		asm volatile("" : : "r"(p) : "memory"); /* kept on purpose */
	}
}

GstPadProbeReturn countFrame(GstPad *, GstPadProbeInfo *info, gpointer)
{
	const uint64_t n = ++frames;
	if (!injectLeak.empty() && n % 10 == 0)
		leakOnce(GST_PAD_PROBE_INFO_BUFFER(info));
	return GST_PAD_PROBE_OK;
}

void probeSinks(GstBin *bin)
{
	GstIterator *it = gst_bin_iterate_sinks(bin);
	GValue v = G_VALUE_INIT;
	while (gst_iterator_next(it, &v) == GST_ITERATOR_OK) {
		GstElement *e = GST_ELEMENT(g_value_get_object(&v));
		if (GST_IS_BIN(e)) {
			probeSinks(GST_BIN(e));
		} else if (GstPad *pad = gst_element_get_static_pad(e, "sink")) {
			gst_pad_add_probe(pad, GST_PAD_PROBE_TYPE_BUFFER, countFrame, nullptr,
					  nullptr);
			gst_object_unref(pad);
		}
		g_value_reset(&v);
	}
	g_value_unset(&v);
	gst_iterator_free(it);
}

template<typename T> std::vector<SoakPoint> series(const std::vector<Sample> &s, T Sample::*m)
{
	std::vector<SoakPoint> out;
	for (const Sample &x : s)
		out.push_back({ x.t, double(x.*m) });
	return out;
}

std::string verdictJson(const char *name, const TrendVerdict &v)
{
	char buf[320];
	std::snprintf(buf, sizeof(buf),
		      "\"%s\":{\"projected_growth\":%.3f,\"limit\":%.0f,\"min\":%.0f,\"max\":%.0f,"
		      "\"rising\":%s}",
		      name, v.projectedGrowth, v.threshold, v.windowMin, v.windowMax,
		      v.rising ? "true" : "false");
	return buf;
}

} /* namespace */

int main(int argc, char **argv)
{
	gst_init(&argc, &argv);
	double seconds = 600, interval = 10;
	std::string label = "soak", desc;
	for (int i = 1; i < argc; ++i) {
		std::string a = argv[i];
		if (a == "--seconds" && i + 1 < argc)
			seconds = std::atof(argv[++i]);
		else if (a == "--interval" && i + 1 < argc)
			interval = std::atof(argv[++i]);
		else if (a == "--label" && i + 1 < argc)
			label = argv[++i];
		else if (a == "--inject-leak" && i + 1 < argc)
			injectLeak = argv[++i];
		else
			desc += (desc.empty() ? "" : " ") + a;
	}
	if (desc.empty() || seconds <= 0 || interval <= 0 ||
	    (!injectLeak.empty() && injectLeak != "fd" && injectLeak != "memory")) {
		std::fprintf(stderr, "usage: dbk-soak [--seconds N] [--interval S] [--label NAME] "
				     "[--inject-leak fd|memory] PIPELINE...\n");
		return 2;
	}
	GError *err = nullptr;
	GstElement *pipeline = gst_parse_launch(desc.c_str(), &err);
	if (!pipeline || err) {
		std::fprintf(stderr, "dbk-soak: %s\n", err ? err->message : "no pipeline");
		return 2;
	}
	if (GST_IS_BIN(pipeline))
		probeSinks(GST_BIN(pipeline));
	const int fdsBefore = dmabufkit::test::countOpenFds();
	const int dmabufsBefore = dmabufkit::test::countLiveDmaBufs();

	std::vector<Sample> samples;
	std::string error;
	GstBus *bus = gst_element_get_bus(pipeline);
	gst_element_set_state(pipeline, GST_STATE_PLAYING);
	const auto t0 = std::chrono::steady_clock::now();
	auto elapsed = [&] {
		return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
	};
	for (double next = 0; next <= seconds + 1e-6 && error.empty(); next += interval) {
		while (error.empty() && elapsed() < next) {
			const auto wait = GstClockTime((next - elapsed()) * GST_SECOND);
			GstMessage *m = gst_bus_timed_pop_filtered(
				bus, wait, GstMessageType(GST_MESSAGE_ERROR | GST_MESSAGE_EOS));
			if (m && GST_MESSAGE_TYPE(m) == GST_MESSAGE_ERROR) {
				GError *e = nullptr;
				gst_message_parse_error(m, &e, nullptr);
				error = std::string(GST_OBJECT_NAME(GST_MESSAGE_SRC(m))) + ": " +
					e->message;
				g_error_free(e);
			} else if (m) {
				error = "the pipeline ended (EOS) before the soak did: it must be "
					"live";
			}
			if (m)
				gst_message_unref(m);
		}
		Sample s{ elapsed(), frames.load(), rssKib(), dmabufkit::test::countOpenFds(),
			  dmabufkit::test::countLiveDmaBufs() };
		samples.push_back(s);
		std::fprintf(stderr,
			     "%s: t=%5.0f s frames=%6llu rss=%6ld KiB fds=%3d dma-bufs=%3d\n",
			     label.c_str(), s.t, (unsigned long long)s.frames, s.rssKib, s.fds,
			     s.dmabufs);
	}
	gst_element_set_state(pipeline, GST_STATE_NULL);
	gst_object_unref(bus);
	gst_object_unref(pipeline);
	const int fdsAfter = dmabufkit::test::countOpenFds();
	const int dmabufsAfter = dmabufkit::test::countLiveDmaBufs();

	const double run = samples.empty() ? 0 : samples.back().t;
	const TrendVerdict rss =
		dmabufkit::test::judgeTrend(series(samples, &Sample::rssKib), run, 1024);
	const TrendVerdict fds = dmabufkit::test::judgeTrend(series(samples, &Sample::fds), run, 1);
	const TrendVerdict bufs =
		dmabufkit::test::judgeTrend(series(samples, &Sample::dmabufs), run, 1);
	uint64_t lateFrames = 0;
	for (const Sample &s : samples)
		if (s.t < run / 2)
			lateFrames = s.frames;
	lateFrames = samples.empty() ? 0 : samples.back().frames - lateFrames;
	std::vector<std::string> problems;
	if (!error.empty())
		problems.push_back("error: " + error);
	if (error.empty() && (!rss.enough || !fds.enough || !bufs.enough))
		problems.push_back("too few samples after warm-up for a verdict");
	if (error.empty() && lateFrames == 0)
		problems.push_back("no frames in the second half: the pipeline stalled");
	const std::pair<const char *, const TrendVerdict *> all[] = { { "rss_kib", &rss },
								      { "fds", &fds },
								      { "dmabufs", &bufs } };
	for (const auto &[name, v] : all) {
		std::fprintf(stderr, "%s: %s %s\n", label.c_str(), name,
			     dmabufkit::test::describe(*v, run).c_str());
		if (v->rising)
			problems.push_back(std::string(name) + " rising");
	}
	const bool ok = problems.empty();
	for (const std::string &p : problems)
		std::fprintf(stderr, "%s: FAIL: %s\n", label.c_str(), p.c_str());

	std::string j =
		"{\"label\":\"" + label + "\",\"seconds\":" + std::to_string(run) +
		",\"frames\":" + std::to_string(samples.empty() ? 0 : samples.back().frames) +
		",\"fps\":" + std::to_string(run > 0 ? double(samples.back().frames) / run : 0.0) +
		",\"fds_before\":" + std::to_string(fdsBefore) +
		",\"fds_after\":" + std::to_string(fdsAfter) +
		",\"dmabufs_before\":" + std::to_string(dmabufsBefore) +
		",\"dmabufs_after\":" + std::to_string(dmabufsAfter) + "," +
		verdictJson("rss_kib", rss) + "," + verdictJson("fds", fds) + "," +
		verdictJson("dmabufs", bufs) + ",\"ok\":" + (ok ? "true" : "false") +
		",\"samples\":[";
	for (size_t i = 0; i < samples.size(); ++i) {
		const Sample &s = samples[i];
		char buf[160];
		std::snprintf(buf, sizeof(buf), "%s[%.1f,%llu,%ld,%d,%d]", i ? "," : "", s.t,
			      (unsigned long long)s.frames, s.rssKib, s.fds, s.dmabufs);
		j += buf;
	}
	j += "]}";
	std::printf("%s\n", j.c_str());
	return ok ? 0 : 1;
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * dbk-bench-run: run one gst-launch description to EOS and report, as one
 * JSON object on stdout, what it cost:
 *
 *   frames        buffers that reached the sink(s) (or --count-at ELEMENT)
 *   wall_s        wall time from PLAYING to EOS
 *   cpu_s         user+sys CPU time of the process over the same span
 *   cpu_ms_per_frame
 *   peak_rss_kib  peak resident set size of the process
 *   peak_dmabuf_bytes, peak_dmabufs
 *                 dma-bufs the process held (fds and mappings, by inode),
 *                 sampled every --sample-ms (default 200) by a thread whose
 *                 own CPU (sampler_cpu_s) is not in cpu_s: in the test guest,
 *                 sampling every 50 ms cost 4-6% of a vCPU (0.4-0.6 s in a
 *                 10 s run of the main pipeline), every 200 ms a third of that
 *   first_frame_s time from PLAYING (asked from NULL) to the first counted buffer:
 *                 the pipeline's start-up
 *   frames_lost, frames_lost_starved
 *                 frames live sources skipped (their frames-lost properties at EOS)
 *                 and how many of those downstream caused (frames-lost-starved);
 *                 only when a source has the property
 *   latency_ms_mean, latency_ms_max
 *                 running time at the sink minus the buffer's PTS (how long ago
 *                 a live source stamped it), for buffers with a PTS
 *   threads_cpu_s user+sys CPU seconds of the process's threads (each since it
 *                 started), summed by thread name (GStreamer names streaming threads
 *                 "element:pad"): where the pipeline's CPU goes. Read at every
 *                 sample and at EOS, so a thread that ended before EOS (a codec's
 *                 stream torn down by its drain) counts up to its last sample
 *   error         the first error message on the bus, if any (exit status 1)
 *
 * Usage: dbk-bench-run [--count-at NAME] [--timeout SEC] [--sample-ms MS] [--no-sample]
 *                     PIPELINE...
 * (--no-sample: no sampling thread, so no peak_dmabuf figures)
 */
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <dirent.h>
#include <fstream>
#include <gst/gst.h>
#include <linux/magic.h>
#include <map>
#include <mutex>
#include <optional>
#include <pthread.h>
#include <sstream>
#include <string>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <thread>
#include <unistd.h>

#ifndef DMA_BUF_MAGIC
#define DMA_BUF_MAGIC 0x444d4142
#endif

namespace {

std::atomic<uint64_t> frames{ 0 };
std::mutex latencyLock;
uint64_t latencyCount = 0;
double latencySumMs = 0, latencyMaxMs = 0;

/* When the first buffer reached a counted pad (steady clock, ns; 0: none). */
std::atomic<int64_t> firstFrameNs{ 0 };

int64_t nowNs()
{
	return std::chrono::duration_cast<std::chrono::nanoseconds>(
		       std::chrono::steady_clock::now().time_since_epoch())
		.count();
}

/* Running time now minus the PTS: live sources stamp buffers with the running time at capture. */
void recordLatency(GstPad *pad, GstBuffer *buf)
{
	if (!GST_BUFFER_PTS_IS_VALID(buf))
		return;
	GstElement *e = gst_pad_get_parent_element(pad);
	GstClock *clock = e ? gst_element_get_clock(e) : nullptr;
	if (clock) {
		GstClockTime now = gst_clock_get_time(clock) - gst_element_get_base_time(e);
		if (now >= GST_BUFFER_PTS(buf)) {
			const double ms = double(now - GST_BUFFER_PTS(buf)) / 1e6;
			std::lock_guard<std::mutex> g(latencyLock);
			++latencyCount;
			latencySumMs += ms;
			latencyMaxMs = std::max(latencyMaxMs, ms);
		}
		gst_object_unref(clock);
	}
	if (e)
		gst_object_unref(e);
}

GstPadProbeReturn countProbe(GstPad *pad, GstPadProbeInfo *info, gpointer)
{
	int64_t none = 0;
	firstFrameNs.compare_exchange_strong(none, nowNs());
	if (GST_PAD_PROBE_INFO_TYPE(info) & GST_PAD_PROBE_TYPE_BUFFER) {
		frames++;
		recordLatency(pad, GST_PAD_PROBE_INFO_BUFFER(info));
	} else if (GST_PAD_PROBE_INFO_TYPE(info) & GST_PAD_PROBE_TYPE_BUFFER_LIST)
		frames += gst_buffer_list_length(GST_PAD_PROBE_INFO_BUFFER_LIST(info));
	return GST_PAD_PROBE_OK;
}

void probeSinkPads(GstElement *e)
{
	GstIterator *it = gst_element_iterate_sink_pads(e);
	GValue v = G_VALUE_INIT;
	while (gst_iterator_next(it, &v) == GST_ITERATOR_OK) {
		GstPad *pad = GST_PAD(g_value_get_object(&v));
		gst_pad_add_probe(pad,
				  static_cast<GstPadProbeType>(GST_PAD_PROBE_TYPE_BUFFER |
							       GST_PAD_PROBE_TYPE_BUFFER_LIST),
				  countProbe, nullptr, nullptr);
		g_value_reset(&v);
	}
	g_value_unset(&v);
	gst_iterator_free(it);
}

/* Elements with sink pads and no source pads, recursively. */
void probeSinks(GstBin *bin)
{
	GstIterator *it = gst_bin_iterate_recurse(bin);
	GValue v = G_VALUE_INIT;
	while (gst_iterator_next(it, &v) == GST_ITERATOR_OK) {
		GstElement *e = GST_ELEMENT(g_value_get_object(&v));
		if (!GST_IS_BIN(e) && e->numsrcpads == 0 && e->numsinkpads > 0)
			probeSinkPads(e);
		g_value_reset(&v);
	}
	g_value_unset(&v);
	gst_iterator_free(it);
}

/* Sum of the frames-lost and frames-lost-starved properties of the elements
 * that have them (dmabufv4l2src), or nullopt when none has. */
std::optional<std::pair<guint64, guint64>> framesLost(GstElement *pipeline)
{
	std::optional<std::pair<guint64, guint64>> sum;
	GstIterator *it = gst_bin_iterate_recurse(GST_BIN(pipeline));
	GValue v = G_VALUE_INIT;
	while (gst_iterator_next(it, &v) == GST_ITERATOR_OK) {
		GObject *e = G_OBJECT(g_value_get_object(&v));
		if (g_object_class_find_property(G_OBJECT_GET_CLASS(e), "frames-lost") &&
		    g_object_class_find_property(G_OBJECT_GET_CLASS(e), "frames-lost-starved")) {
			guint64 lost = 0, starved = 0;
			g_object_get(e, "frames-lost", &lost, "frames-lost-starved", &starved,
				     nullptr);
			if (!sum)
				sum.emplace(0, 0);
			sum->first += lost;
			sum->second += starved;
		}
		g_value_reset(&v);
	}
	g_value_unset(&v);
	gst_iterator_free(it);
	return sum;
}

double cpuSeconds()
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec +
	       (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

/* CPU seconds of the calling thread. */
double ownThreadCpuSeconds()
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return double(ts.tv_sec) + double(ts.tv_nsec) / 1e9;
}

/* dma-bufs referenced by our fds or mappings, by inode; \a sizes remembers
 * each inode's size across samples, so a buffer is measured once. */
void dmabufUsage(std::map<ino_t, uint64_t> &sizes, uint64_t *bytes, uint64_t *count)
{
	std::map<ino_t, uint64_t> seen;
	if (DIR *d = opendir("/proc/self/fd")) {
		while (struct dirent *e = readdir(d)) {
			int fd = atoi(e->d_name);
			if (e->d_name[0] == '.' || fd == dirfd(d))
				continue;
			struct statfs sfs;
			struct stat st;
			if (fstat(fd, &st) != 0 || seen.count(st.st_ino))
				continue;
			if (auto known = sizes.find(st.st_ino); known != sizes.end()) {
				seen[st.st_ino] = known->second;
				continue;
			}
			if (fstatfs(fd, &sfs) == 0 &&
			    static_cast<unsigned long>(sfs.f_type) == DMA_BUF_MAGIC) {
				off_t end = lseek(fd, 0, SEEK_END);
				lseek(fd, 0, SEEK_SET);
				seen[st.st_ino] = sizes[st.st_ino] =
					end > 0 ? static_cast<uint64_t>(end) : 0;
			}
		}
		closedir(d);
	}
	/* Mappings whose fd is already closed still hold the buffer. */
	std::ifstream maps("/proc/self/maps");
	std::string line;
	while (std::getline(maps, line)) {
		if (line.find("/dmabuf:") == std::string::npos &&
		    line.find("dmabuf") == std::string::npos)
			continue;
		std::istringstream ls(line);
		std::string range, perms, off, dev;
		unsigned long inode = 0;
		ls >> range >> perms >> off >> dev >> inode;
		if (!inode || seen.count(inode))
			continue;
		unsigned long a = 0, b = 0;
		sscanf(range.c_str(), "%lx-%lx", &a, &b);
		seen[inode] = b - a;
	}
	*bytes = 0;
	for (const auto &[ino, size] : seen)
		*bytes += size;
	*count = seen.size();
}

/* Per thread id: its name and CPU seconds when last read. */
using ThreadTimes = std::map<std::string, std::pair<std::string, double>>;

/* Updates \a seen with this process's live threads (/proc/self/task); the
 * ones that ended keep their last figures. */
void readThreadTimes(ThreadTimes &seen)
{
	const double tick = static_cast<double>(sysconf(_SC_CLK_TCK));
	DIR *d = opendir("/proc/self/task");
	if (!d)
		return;
	while (struct dirent *e = readdir(d)) {
		if (e->d_name[0] == '.')
			continue;
		std::ifstream f(std::string("/proc/self/task/") + e->d_name + "/stat");
		std::string line;
		if (!std::getline(f, line))
			continue;
		/* "tid (comm) state ...": comm may hold spaces, so split at the last ')'. */
		const auto open = line.find('('), close = line.rfind(')');
		if (open == std::string::npos || close == std::string::npos || close < open)
			continue;
		std::istringstream rest(line.substr(close + 2));
		std::string field;
		unsigned long utime = 0, stime = 0;
		for (int i = 3; i <= 15 && rest >> field; ++i) {
			if (i == 14)
				utime = std::stoul(field);
			else if (i == 15)
				stime = std::stoul(field);
		}
		seen[e->d_name] = { line.substr(open + 1, close - open - 1),
				    double(utime + stime) / tick };
	}
	closedir(d);
}

std::map<std::string, double> byName(const ThreadTimes &seen)
{
	std::map<std::string, double> sums;
	for (const auto &[tid, t] : seen)
		sums[t.first] += t.second;
	return sums;
}

long peakRssKiB()
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

std::string jsonEscape(const std::string &s)
{
	std::string o;
	for (char c : s) {
		if (c == '"' || c == '\\')
			o += '\\', o += c;
		else if (c == '\n')
			o += "\\n";
		else if (static_cast<unsigned char>(c) < 32)
			o += ' ';
		else
			o += c;
	}
	return o;
}

} /* namespace */

int main(int argc, char **argv)
{
	gst_init(&argc, &argv);
	std::string countAt;
	double timeout = 600;
	bool sample = true; /* --no-sample: no dma-buf sampling thread */
	int sampleMs = 200;
	int i = 1;
	for (; i < argc; ++i) {
		if (!strcmp(argv[i], "--count-at") && i + 1 < argc)
			countAt = argv[++i];
		else if (!strcmp(argv[i], "--timeout") && i + 1 < argc)
			timeout = atof(argv[++i]);
		else if (!strcmp(argv[i], "--sample-ms") && i + 1 < argc)
			sampleMs = std::max(1, atoi(argv[++i]));
		else if (!strcmp(argv[i], "--no-sample"))
			sample = false;
		else
			break;
	}
	if (i >= argc) {
		fprintf(stderr,
			"usage: %s [--count-at NAME] [--timeout SEC] [--sample-ms MS] "
			"[--no-sample] "
			"PIPELINE...\n",
			argv[0]);
		return 2;
	}
	std::string desc;
	for (; i < argc; ++i)
		desc += std::string(desc.empty() ? "" : " ") + argv[i];

	GError *err = nullptr;
	GstElement *pipeline = gst_parse_launch(desc.c_str(), &err);
	if (!pipeline || err) {
		printf("{\"error\": \"parse: %s\"}\n",
		       jsonEscape(err ? err->message : "?").c_str());
		return 1;
	}
	if (!countAt.empty()) {
		GstElement *e = gst_bin_get_by_name(GST_BIN(pipeline), countAt.c_str());
		if (!e) {
			printf("{\"error\": \"no element named %s\"}\n",
			       jsonEscape(countAt).c_str());
			return 1;
		}
		probeSinkPads(e);
		gst_object_unref(e);
	} else {
		probeSinks(GST_BIN(pipeline));
	}

	const double cpu0 = cpuSeconds();
	std::atomic<bool> sampling{ sample };
	uint64_t peakBytes = 0, peakCount = 0;
	std::atomic<double> samplerCpu{ 0 };
	std::mutex threadsLock;
	ThreadTimes threadTimes;
	std::thread sampler([&] {
		pthread_setname_np(pthread_self(), "dbk-sampler");
		std::map<ino_t, uint64_t> sizes;
		while (sampling) {
			uint64_t b, c;
			dmabufUsage(sizes, &b, &c);
			peakBytes = std::max(peakBytes, b);
			peakCount = std::max(peakCount, c);
			{
				std::lock_guard l(threadsLock);
				readThreadTimes(threadTimes);
			}
			samplerCpu = ownThreadCpuSeconds();
			std::this_thread::sleep_for(std::chrono::milliseconds(sampleMs));
		}
	});

	const auto t0 = std::chrono::steady_clock::now();
	std::string error;
	if (gst_element_set_state(pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE)
		error = "could not set the pipeline to PLAYING";
	GstBus *bus = gst_element_get_bus(pipeline);
	bool done = !error.empty();
	while (!done) {
		GstMessage *msg = gst_bus_timed_pop_filtered(
			bus, 200 * GST_MSECOND,
			static_cast<GstMessageType>(GST_MESSAGE_EOS | GST_MESSAGE_ERROR));
		double elapsed =
			std::chrono::duration<double>(std::chrono::steady_clock::now() - t0)
				.count();
		if (!msg) {
			if (elapsed > timeout) {
				error = "timeout after " + std::to_string(timeout) + " s";
				done = true;
			}
			continue;
		}
		if (GST_MESSAGE_TYPE(msg) == GST_MESSAGE_ERROR) {
			GError *e = nullptr;
			gchar *dbg = nullptr;
			gst_message_parse_error(msg, &e, &dbg);
			error = std::string(GST_OBJECT_NAME(msg->src)) + ": " + e->message +
				(dbg ? std::string(" (") + dbg + ")" : "");
			g_error_free(e);
			g_free(dbg);
		}
		gst_message_unref(msg);
		done = true;
	}
	const double wall =
		std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
	const double samplerCpuS = samplerCpu;
	const double cpu = cpuSeconds() - cpu0 - samplerCpuS;
	std::map<std::string, double> threads;
	{
		std::lock_guard l(threadsLock);
		readThreadTimes(threadTimes);
		threads = byName(threadTimes);
	}
	sampling = false;
	sampler.join();
	const auto lost = framesLost(pipeline);
	gst_element_set_state(pipeline, GST_STATE_NULL);
	gst_object_unref(bus);
	gst_object_unref(pipeline);

	const uint64_t n = frames;
	const int64_t t0Ns =
		std::chrono::duration_cast<std::chrono::nanoseconds>(t0.time_since_epoch()).count();
	const double firstFrame = firstFrameNs ? (firstFrameNs - t0Ns) / 1e9 : 0.0;
	printf("{\"frames\": %lu, \"wall_s\": %.4f, \"cpu_s\": %.4f, \"cpu_ms_per_frame\": %.4f, "
	       "\"fps\": %.3f, \"peak_rss_kib\": %ld, \"peak_dmabuf_bytes\": %lu, "
	       "\"peak_dmabufs\": %lu, \"first_frame_s\": %.4f, \"sampler_cpu_s\": %.4f",
	       static_cast<unsigned long>(n), wall, cpu, n ? cpu * 1000.0 / n : 0.0,
	       wall > 0 ? n / wall : 0.0, peakRssKiB(), static_cast<unsigned long>(peakBytes),
	       static_cast<unsigned long>(peakCount), firstFrame, samplerCpuS);
	if (lost)
		printf(", \"frames_lost\": %lu, \"frames_lost_starved\": %lu",
		       static_cast<unsigned long>(lost->first),
		       static_cast<unsigned long>(lost->second));
	if (latencyCount)
		printf(", \"latency_ms_mean\": %.3f, \"latency_ms_max\": %.3f",
		       latencySumMs / double(latencyCount), latencyMaxMs);
	printf(", \"threads_cpu_s\": {");
	const char *sep = "";
	for (const auto &[name, s] : threads) {
		printf("%s\"%s\": %.3f", sep, jsonEscape(name).c_str(), s);
		sep = ", ";
	}
	printf("}");
	if (!error.empty())
		printf(", \"error\": \"%s\"", jsonEscape(error).c_str());
	printf("}\n");
	return error.empty() ? 0 : 1;
}

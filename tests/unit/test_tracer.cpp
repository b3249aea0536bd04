/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The dmabufkit tracer on the host, with stock elements only (no dma-bufs
 * here): what it publishes is read back through the viewer's model. The
 * tracer's parts without Qt (parameters, state lines, the preview's
 * thumbnail) are tested in test_dmabuftrace.cpp.
 */
#include <gtest/gtest.h>

#include <QByteArray>
#include <QFile>
#include <QJsonArray>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <string>
#include <sys/socket.h>
#include <sys/un.h>
#include <thread>
#include <unistd.h>

#include <gst/gst.h>
#include <gst/video/video.h>

#include <cmath>
#include <vector>

#include "findings.h"
#include "session_model.h"

using namespace dbkviewer;

namespace {

std::string g_dir;

std::string sessionPath()
{
	return g_dir + "/session.jsonl";
}

std::string socketPath()
{
	return g_dir + "/tracer.sock";
}

std::string previewSessionPath()
{
	return g_dir + "/preview.jsonl";
}

std::string journeySessionPath()
{
	return g_dir + "/journeys.jsonl";
}

/* GStreamer starts once, with the tracers, before any test (the tracers
   are read at gst_init). */
class TracedGStreamer : public ::testing::Environment
{
public:
	void SetUp() override
	{
		gchar *dir = g_dir_make_tmp("dbk-tracer-XXXXXX", nullptr);
		ASSERT_NE(dir, nullptr);
		g_dir = dir;
		g_free(dir);
		/* Three instances: one records into a file, one serves a socket whose
		   clients get at most 4 queued lines each, one records previews. */
		std::string tracers =
			"dmabuftrace(endpoint=file:" + sessionPath() +
			",period-ms=100,performance=on);dmabuftrace(endpoint=unix:" + socketPath() +
			",period-ms=100,queue=4);dmabuftrace(endpoint=file:" +
			previewSessionPath() +
			",period-ms=100,preview=auto);dmabuftrace(endpoint=file:" +
			journeySessionPath() + ",period-ms=100,journeys=5)";
		g_setenv("GST_TRACERS", tracers.c_str(), TRUE);
		gst_init(nullptr, nullptr);
	}
};
[[maybe_unused]] ::testing::Environment *const g_gstreamer =
	::testing::AddGlobalTestEnvironment(new TracedGStreamer);

class TracerTest : public ::testing::Test
{
protected:
	static void SetUpTestSuite()
	{
		ASSERT_NE(gst_registry_find_feature(gst_registry_get(), "dmabuftrace",
						    GST_TYPE_TRACER_FACTORY),
			  nullptr)
			<< "the dmabuftrace tracer is not registered (GST_PLUGIN_PATH?)";
	}

	/* Runs @desc to EOS (or fails after 30 s), then to NULL. */
	static void run(const char *desc, const char *name,
			void (*prepare)(GstElement *pipeline) = nullptr)
	{
		GError *err = nullptr;
		GstElement *p = gst_parse_launch(desc, &err);
		ASSERT_EQ(err, nullptr) << err->message;
		gst_element_set_name(p, name);
		if (prepare)
			prepare(p);
		ASSERT_NE(gst_element_set_state(p, GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
		GstBus *bus = gst_element_get_bus(p);
		GstMessage *m = gst_bus_timed_pop_filtered(
			bus, 30 * GST_SECOND,
			static_cast<GstMessageType>(GST_MESSAGE_EOS | GST_MESSAGE_ERROR));
		ASSERT_NE(m, nullptr) << "no EOS within 30 s";
		EXPECT_EQ(GST_MESSAGE_TYPE(m), GST_MESSAGE_EOS);
		gst_message_unref(m);
		gst_object_unref(bus);
		/* PAUSED -> READY makes the tracer publish the final counts. */
		gst_element_set_state(p, GST_STATE_NULL);
		gst_object_unref(p);
	}

	static void load(SessionModel &m, const std::string &path = sessionPath())
	{
		QFile f(QString::fromStdString(path));
		ASSERT_TRUE(f.open(QIODevice::ReadOnly));
		while (!f.atEnd()) {
			QByteArray line = f.readLine().trimmed();
			if (!line.isEmpty()) {
				EXPECT_TRUE(m.ingestLine(line)) << line.left(200).constData();
			}
		}
	}
};

TEST_F(TracerTest, CountsAndSystemMemory)
{
	run("videotestsrc num-buffers=25 ! video/x-raw,format=I420,width=160,height=120 "
	    "! videoconvert ! video/x-raw,format=BGRx ! fakesink",
	    "counts");
	SessionModel m;
	load(m);
	ASSERT_TRUE(m.hasHello());
	EXPECT_EQ(m.protocolVersion(), 1);
	EXPECT_EQ(m.malformedLines(), 0u);
	ASSERT_EQ(m.links().size(), 4); /* src, caps, convert, caps -> sink */
	for (const LinkInfo &l : m.links()) {
		ASSERT_TRUE(m.hasLinkStats(l.id)) << l.id.toStdString();
		LinkStats s = m.linkStats(l.id);
		EXPECT_EQ(s.buffers, 25u) << l.id.toStdString();
		EXPECT_EQ(s.kind, LinkKind::System) << l.id.toStdString();
		EXPECT_EQ(s.inodes, 0u);
		EXPECT_TRUE(s.exporter.isEmpty());
		EXPECT_FALSE(s.copied) << "a conversion is not a copy: " << l.id.toStdString();
	}
	const LinkInfo *conv = m.link("counts/videoconvert0:src");
	ASSERT_NE(conv, nullptr);
	EXPECT_TRUE(conv->caps.contains("BGRx")) << conv->caps.toStdString();
	EXPECT_EQ(m.linkStats("counts/videotestsrc0:src").bytes, 25u * 160 * 120 * 3 / 2);
	ElementStats cs = m.elementStats("counts/videoconvert0");
	EXPECT_EQ(cs.buffersIn, 25u);
	EXPECT_GT(cs.latencyAvgUs, 0);
	EXPECT_EQ(cs.copies, 0u);
	const ElementInfo *sink = m.element("counts/fakesink0");
	ASSERT_NE(sink, nullptr);
	EXPECT_EQ(sink->factory, "fakesink");
	/* basesink's read-only "stats" structure arrives generically. */
	EXPECT_TRUE(m.elementStats("counts/fakesink0").stats.contains("stats"));
	EXPECT_GT(m.processCpuSeconds(), 0);
	/* A conversion in system memory: nothing to report. */
	const QList<Finding> findings = findFindings(m);
	EXPECT_TRUE(findings.isEmpty()) << findings.value(0).title.toStdString();
}

static GstPadProbeReturn deepCopy(GstPad *pad, GstPadProbeInfo *info, gpointer)
{
	/* Say so the way stock elements do, on the GST_PERFORMANCE category. */
	static GstDebugCategory *perf = _gst_debug_get_category("GST_PERFORMANCE");
	GST_CAT_DEBUG_OBJECT(perf, GST_OBJECT_PARENT(pad), "deep copy of %p", info->data);
	GstBuffer *in = GST_PAD_PROBE_INFO_BUFFER(info);
	GST_PAD_PROBE_INFO_DATA(info) = gst_buffer_copy_deep(in);
	gst_buffer_unref(in);
	return GST_PAD_PROBE_OK;
}

/* Latency is the time a buffer spends inside one element: identity sleeps
   kSleepUs per buffer before it pushes, so every buffer's latency there is at
   least that (g_usleep never returns early) and at most that plus scheduling
   slack; the element after it does not inherit the time spent upstream. */
TEST_F(TracerTest, LatencyIsTheTimeInsideEachElement)
{
	constexpr double kSleepUs = 20000;
	/* Generous for a loaded 2-core machine, far below a second sleep. */
	constexpr double kSlackUs = 15000;
	run("videotestsrc num-buffers=10 ! video/x-raw,width=64,height=48 "
	    "! identity name=slow sleep-time=20000 ! identity name=fast ! fakesink",
	    "latency");
	SessionModel m;
	load(m);
	ElementStats slow = m.elementStats("latency/slow");
	ElementStats fast = m.elementStats("latency/fast");
	std::printf("  latency: identity sleeping %.0f us: %.0f us; the next identity: %.0f us\n",
		    kSleepUs, slow.latencyAvgUs, fast.latencyAvgUs);
	EXPECT_EQ(slow.buffersIn, 10u);
	EXPECT_EQ(fast.buffersIn, 10u);
	EXPECT_GE(slow.latencyAvgUs, kSleepUs) << "a buffer left identity before its sleep ended";
	EXPECT_LT(slow.latencyAvgUs, kSleepUs + kSlackUs);
	EXPECT_LT(fast.latencyAvgUs, kSleepUs / 2) << "upstream's time counted in the next element";
}

TEST_F(TracerTest, CopyWithUnchangedCapsIsFlagged)
{
	/* "copier" gets a deep copy of every buffer: new memory, same caps. */
	run("videotestsrc num-buffers=20 ! video/x-raw,width=64,height=48 ! identity name=pass "
	    "! identity name=copier ! fakesink",
	    "copies", [](GstElement *p) {
		    GstElement *copier = gst_bin_get_by_name(GST_BIN(p), "copier");
		    GstPad *sink = gst_element_get_static_pad(copier, "sink");
		    gst_pad_add_probe(sink, GST_PAD_PROBE_TYPE_BUFFER, deepCopy, nullptr, nullptr);
		    gst_object_unref(sink);
		    gst_object_unref(copier);
	    });
	SessionModel m;
	load(m);
	ElementStats pass = m.elementStats("copies/pass");
	ElementStats copier = m.elementStats("copies/copier");
	EXPECT_EQ(pass.copies, 0u);
	EXPECT_EQ(copier.copies, 20u);
	EXPECT_TRUE(copier.copyReason.contains("unchanged caps"))
		<< copier.copyReason.toStdString();
	EXPECT_FALSE(m.linkStats("copies/pass:src").copied);
	EXPECT_TRUE(m.linkStats("copies/copier:src").copied);
	EXPECT_EQ(m.linkStats("copies/copier:src").buffers, 20u);
	/* The GST_PERFORMANCE messages were captured for the element... */
	EXPECT_EQ(copier.performance, 20u);
	EXPECT_TRUE(copier.lastPerformance.startsWith("deep copy of"))
		<< copier.lastPerformance.toStdString();
	EXPECT_EQ(pass.performance, 0u);
	/* ...and published as events. */
	int perfEvents = 0;
	for (const SessionEvent &e : m.events())
		perfEvents += e.what == "performance" && e.element == "copies/copier";
	EXPECT_EQ(perfEvents, 20);
	/* One finding: the copy, with what the element said about it. */
	const QList<Finding> findings = findFindings(m);
	ASSERT_EQ(findings.size(), 1) << findings.value(1).title.toStdString();
	const Finding &f = findings[0];
	EXPECT_EQ(f.kind.toStdString(), "copy");
	EXPECT_EQ(f.element.toStdString(), "copies/copier");
	EXPECT_EQ(f.link.toStdString(), "copies/copier:src");
	EXPECT_EQ(f.title.toStdString(), "copier copies every frame (caps unchanged)");
	EXPECT_TRUE(f.cause.contains("GST_PERFORMANCE (20): \"deep copy of"))
		<< f.cause.toStdString();
	EXPECT_EQ(f.fix.toStdString(),
		  "copier could pass frames through: check its properties, or remove it");
}

static GstPadProbeReturn sayCopy(GstPad *pad, GstPadProbeInfo *info, gpointer)
{
	/* Only the word, no new memory: what the tracer knows is the message. */
	static GstDebugCategory *perf = _gst_debug_get_category("GST_PERFORMANCE");
	GST_CAT_DEBUG_OBJECT(perf, GST_OBJECT_PARENT(pad), "slow copy into buffer %p", info->data);
	return GST_PAD_PROBE_OK;
}

TEST_F(TracerTest, PerformanceCopyIsAFinding)
{
	run("videotestsrc num-buffers=12 ! video/x-raw,width=64,height=48 ! identity name=talker "
	    "! fakesink",
	    "perf", [](GstElement *p) {
		    GstElement *talker = gst_bin_get_by_name(GST_BIN(p), "talker");
		    GstPad *src = gst_element_get_static_pad(talker, "src");
		    gst_pad_add_probe(src, GST_PAD_PROBE_TYPE_BUFFER, sayCopy, nullptr, nullptr);
		    gst_object_unref(src);
		    gst_object_unref(talker);
	    });
	SessionModel m;
	load(m);
	EXPECT_EQ(m.elementStats("perf/talker").copies, 0u);
	const QList<Finding> findings = findFindings(m);
	ASSERT_EQ(findings.size(), 1) << findings.value(1).title.toStdString();
	EXPECT_EQ(findings[0].kind.toStdString(), "performance-copy");
	EXPECT_EQ(findings[0].element.toStdString(), "perf/talker");
	EXPECT_EQ(findings[0].count, 12);
	EXPECT_TRUE(findings[0].cause.startsWith(
		"talker logged 12 GST_PERFORMANCE messages about copying, the last \"slow copy"))
		<< findings[0].cause.toStdString();
	EXPECT_TRUE(findings[0].fix.startsWith("give talker memory it can use as is"));
}

TEST_F(TracerTest, JourneysFollowSampledFramesInOrder)
{
	run("videotestsrc name=src num-buffers=30 ! capsfilter name=c1 "
	    "caps=video/x-raw,format=I420,width=64,height=48 ! identity name=a "
	    "! videoconvert name=conv ! capsfilter name=c2 caps=video/x-raw,format=BGRx "
	    "! fakesink name=sink",
	    "journeys");
	SessionModel m;
	load(m, journeySessionPath());
	EXPECT_EQ(m.malformedLines(), 0u);
	const JourneyStore &js = m.journeys();
	EXPECT_EQ(js.sampling(), 5);
	EXPECT_EQ(js.lost(), 0u);
	int complete = 0;
	const std::vector<std::string> path{ "journeys/src",  "journeys/c1", "journeys/a",
					     "journeys/conv", "journeys/c2", "journeys/sink" };
	for (const Journey &j : js.journeys()) {
		const QList<JourneySlice> sl = JourneyStore::slices(j, m.links());
		if (sl.isEmpty() || !sl[0].element.startsWith("journeys/"))
			continue; /* an earlier test's pipeline */
		std::vector<std::string> got;
		for (const JourneySlice &s : sl)
			got.push_back(s.element.toStdString());
		EXPECT_EQ(got, path) << "frame " << j.frame;
		for (int i = 1; i < sl.size(); ++i) {
			EXPECT_GE(sl[i].begin, sl[i - 1].begin);
			EXPECT_GE(sl[i].end, sl[i].begin);
			EXPECT_EQ(sl[i].inLink, sl[i - 1].outLink);
		}
		complete += got == path;
	}
	/* One frame in 5 of 30. */
	EXPECT_EQ(complete, 6);
	/* The export: a B and an E per slice, a flow per frame. */
	const QJsonArray evs = js.chromeTrace(m.links(), "test").value("traceEvents").toArray();
	int b = 0, e = 0, s = 0, f = 0;
	for (const QJsonValue &v : evs) {
		const QString ph = v.toObject().value("ph").toString();
		b += ph == "B", e += ph == "E", s += ph == "s", f += ph == "f";
	}
	EXPECT_EQ(b, e);
	EXPECT_GE(b, 6 * 6);
	EXPECT_EQ(s, f);
	EXPECT_GE(s, 6);
}

static int connectUnix(const std::string &path)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	sockaddr_un addr{};
	addr.sun_family = AF_UNIX;
	strncpy(addr.sun_path, path.c_str(), sizeof(addr.sun_path) - 1);
	if (connect(fd, reinterpret_cast<sockaddr *>(&addr), sizeof(addr)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

TEST_F(TracerTest, HostileClientsCannotStallThePipeline)
{
	/* A client that never reads and floods, one that leaves at once. */
	int stuck = connectUnix(socketPath());
	ASSERT_GE(stuck, 0) << strerror(errno);
	fcntl(stuck, F_SETFL, O_NONBLOCK);
	std::string garbage(256 * 1024, '\x7f');
	(void)!send(stuck, garbage.data(), garbage.size(), MSG_NOSIGNAL);
	int gone = connectUnix(socketPath());
	ASSERT_GE(gone, 0);
	close(gone);

	auto t0 = std::chrono::steady_clock::now();
	run("videotestsrc name=src num-buffers=300 ! video/x-raw,width=320,height=240 ! fakesink",
	    "flood");
	double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
	EXPECT_LT(secs, 20.0);

	SessionModel m;
	load(m);
	EXPECT_EQ(m.linkStats("flood/src:src").buffers, 300u);

	/* The server still serves: a new client gets hello and the graph. */
	int fresh = connectUnix(socketPath());
	ASSERT_GE(fresh, 0);
	timeval tv{ 5, 0 };
	setsockopt(fresh, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	SessionModel live;
	QByteArray pending;
	char buf[65536];
	while (live.graphRevision() == 0) {
		ssize_t n = recv(fresh, buf, sizeof(buf), 0);
		ASSERT_GT(n, 0) << "no graph from the tracer socket";
		pending.append(buf, n);
		int nl;
		while ((nl = pending.indexOf('\n')) >= 0) {
			live.ingestLine(pending.left(nl));
			pending.remove(0, nl + 1);
		}
	}
	EXPECT_TRUE(live.hasHello());
	EXPECT_EQ(live.malformedLines(), 0u);
	EXPECT_NE(live.element("flood/src"), nullptr);
	close(fresh);
	close(stuck);
}

/* ---- The live preview (the thumbnail's pixels: test_dmabuftrace.cpp) ---- */

static int countLines(const std::string &path, const char *needle)
{
	QFile f(QString::fromStdString(path));
	int n = 0;
	if (f.open(QIODevice::ReadOnly))
		while (!f.atEnd())
			n += f.readLine().contains(needle);
	return n;
}

TEST_F(TracerTest, PreviewOfTheVideoSinkArrivesInTheModel)
{
	/* One second of a solid colour (R 0x33, G 0x66, B 0xcc) in I420. */
	int before = countLines(previewSessionPath(), "\"type\":\"preview\"");
	run("videotestsrc num-buffers=30 pattern=solid-color foreground-color=0xff3366cc ! "
	    "capsfilter name=caps "
	    "caps=video/x-raw,format=I420,width=320,height=240,framerate=30/1 ! fakesink name=sink "
	    "sync=true",
	    "preview");
	SessionModel m;
	load(m, previewSessionPath());
	EXPECT_EQ(m.malformedLines(), 0u);
	ASSERT_TRUE(m.hasPreview());
	const PreviewFrame &p = m.preview();
	EXPECT_EQ(p.link.toStdString(), "preview/caps:src");
	EXPECT_EQ(p.element.toStdString(), "preview/sink");
	EXPECT_EQ(p.pad.toStdString(), "sink");
	EXPECT_EQ(p.sourceFormat.toStdString(), "I420");
	EXPECT_EQ(p.sourceWidth, 320);
	EXPECT_EQ(p.width, 160);
	EXPECT_EQ(p.height, 120);
	ASSERT_EQ(p.rgb.size(), 160 * 120 * 3);
	for (int i = 0; i < p.rgb.size(); i += 3) {
		ASSERT_NEAR(uchar(p.rgb[i]), 0x33, 3) << "pixel " << i / 3;
		ASSERT_NEAR(uchar(p.rgb[i + 1]), 0x66, 3) << "pixel " << i / 3;
		ASSERT_NEAR(uchar(p.rgb[i + 2]), 0xcc, 3) << "pixel " << i / 3;
	}
	/* Rate-limited: one second of video gives 1 to 3 previews, not 30. */
	int previews = countLines(previewSessionPath(), "\"type\":\"preview\"") - before;
	EXPECT_GE(previews, 1);
	EXPECT_LE(previews, 3);
}

TEST_F(TracerTest, FormatsWithoutPreviewAreStatedOnce)
{
	run("videotestsrc num-buffers=30 ! capsfilter name=caps "
	    "caps=video/x-raw,format=I420_10LE,width=64,height=48,framerate=30/1 ! fakesink "
	    "name=sink sync=true",
	    "nopreview");
	SessionModel m;
	load(m, previewSessionPath());
	int notes = 0;
	for (const SessionEvent &e : m.events())
		if (e.what == "preview-unavailable" && e.element == "nopreview/sink") {
			++notes;
			EXPECT_TRUE(e.text.contains("I420_10LE")) << e.text.toStdString();
		}
	EXPECT_EQ(notes, 1);
	/* The last picture is still the previous pipeline's, not garbage. */
	EXPECT_NE(m.preview().link.toStdString(), "nopreview/caps:src");
}

} /* namespace */

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The finding rules (findings.h): a session recorded by the tracer in the
 * test VM (tests/data/tracer-session-upload.jsonl: dmabufupload into a
 * copying videoconvert), and sessions written here line by line in the
 * tracer's protocol for each problem: exactly the expected finding (kind,
 * element, cause, fix), and none for a clean zero-copy pipeline.
 */
#include <QJsonArray>
#include <QJsonDocument>
#include <QTest>

#include "findings.h"
#include "session_model.h"
#include "session_recording.h"

using namespace dbkviewer;

namespace {

/* A session in the tracer's protocol, built element by element. */
struct Session {
	QJsonArray elements, links, elementStats, linkStats, events;

	Session &element(const QString &name, const QString &factory, const QString &klass,
			 const QJsonObject &properties = {}, const QJsonObject &stats = {})
	{
		elements.append(QJsonObject{ { "id", "p/" + name },
					     { "name", name },
					     { "factory", factory },
					     { "klass", klass },
					     { "parent", "p" },
					     { "bin", false },
					     { "state", "PLAYING" },
					     { "pads", QJsonArray{} },
					     { "properties", properties } });
		QJsonObject s = stats;
		s.insert("id", "p/" + name);
		elementStats.append(s);
		return *this;
	}
	Session &link(const QString &src, const QString &sink, const QString &caps,
		      const QJsonObject &stats)
	{
		links.append(QJsonObject{ { "id", "p/" + src + ":src" },
					  { "src", "p/" + src },
					  { "src_pad", "src" },
					  { "sink", "p/" + sink },
					  { "sink_pad", "sink" },
					  { "caps", caps } });
		QJsonObject s = stats;
		s.insert("id", "p/" + src + ":src");
		linkStats.append(s);
		return *this;
	}
	Session &event(const QJsonObject &e)
	{
		QJsonObject o = e;
		o.insert("type", "event");
		o.insert("v", 1);
		o.insert("t", 1.0);
		events.append(o);
		return *this;
	}
	void feed(SessionModel &m) const
	{
		auto line = [&](const QJsonObject &o) {
			QVERIFY(m.ingestLine(QJsonDocument(o).toJson(QJsonDocument::Compact)));
		};
		line({ { "type", "hello" }, { "v", 1 }, { "protocol", "dmabufkit-tracer" } });
		line({ { "type", "graph" },
		       { "v", 1 },
		       { "t", 0.5 },
		       { "elements", elements },
		       { "links", links } });
		for (const QJsonValue &e : events)
			line(e.toObject());
		line({ { "type", "stats" },
		       { "v", 1 },
		       { "t", 2.0 },
		       { "elements", elementStats },
		       { "links", linkStats } });
	}
};

QString caps(const QString &format, int w = 640, int h = 480)
{
	return QStringLiteral("video/x-raw, format=(string)%1, width=(int)%2, height=(int)%3")
		.arg(format)
		.arg(w)
		.arg(h);
}

QJsonObject dmabuf(int n, const QString &exporter = "dma-heap:system")
{
	return { { "buffers", n },
		 { "kind", "dmabuf" },
		 { "kinds", QJsonObject{ { "dmabuf", n } } },
		 { "inodes", 4 },
		 { "exporter", exporter },
		 { "fps", 30 } };
}

QJsonObject sysmem(int n, bool copied = false)
{
	return { { "buffers", n },
		 { "kind", "system" },
		 { "kinds", QJsonObject{ { "system", n } } },
		 { "copied", copied },
		 { "fps", 30 } };
}

QJsonObject copies(int n, const QString &reason)
{
	return { { "copy", QJsonObject{ { "count", n }, { "reason", reason } } } };
}

QList<Finding> findingsOf(const Session &s)
{
	SessionModel m;
	s.feed(m);
	return findFindings(m);
}

/* A clean zero-copy pipeline: dma-bufs from the camera to the display. */
Session cleanPipeline()
{
	Session s;
	s.element("src", "dmabufv4l2src", "Source/Video")
		.element("enc", "dmabufv4l2enc", "Codec/Encoder/Video")
		.element("dec", "dmabufv4l2dec", "Codec/Decoder/Video")
		.element("conv", "dmabufcpufilter", "Filter/Converter/Video")
		.element("sink", "dmabufkmssink", "Sink/Video", { { "sync", false } })
		.link("src", "enc", caps("NV12"), dmabuf(60))
		.link("enc", "dec", "video/x-fwht", dmabuf(60))
		.link("dec", "conv", caps("NV12"), dmabuf(60))
		.link("conv", "sink", caps("BGRx"), dmabuf(60, "drm-dumb:vkms"));
	return s;
}

} /* namespace */

class TestFindings : public QObject
{
	Q_OBJECT
private slots:
	void cleanPipelineHasNone();
	void copyingVideoconvertFromRecording();
	void copyingVideoconvertYuvToRgb();
	void recordedTeeWithACopyingBranch();
	void recordedReferencePipelineIsClean();
	void performanceCopyOfAStockElement();
	void starvingPool();
	void refusedImport();
	void recordedRefusedImport();
	void lateAndDroppedFrames();
	void memoryKindChangedMidStream();
	void errorComesFirst();
	void capsFields();
};

void TestFindings::cleanPipelineHasNone()
{
	const QList<Finding> f = findingsOf(cleanPipeline());
	QVERIFY2(f.isEmpty(), qPrintable(f.isEmpty() ? QString() : f.first().title));
}

void TestFindings::copyingVideoconvertFromRecording()
{
	SessionRecording rec;
	QString err;
	QVERIFY2(rec.load(QStringLiteral(DBK_TEST_DATA "/tracer-session-upload.jsonl"), &err),
		 qPrintable(err));
	SessionModel m;
	rec.replayTo(m, 1e9);
	const QList<Finding> f = findFindings(m);
	QCOMPARE(f.size(), 2);
	/* The copy out of dma-bufs first, the upload it exists for second. */
	QCOMPARE(f[0].kind, QStringLiteral("copy"));
	QCOMPARE(f[0].severity, Finding::Severity::Copy);
	QCOMPARE(f[0].element, QStringLiteral("pipeline0/videoconvert0"));
	QCOMPARE(f[0].link, QStringLiteral("pipeline0/videoconvert0:src"));
	QCOMPARE(f[0].title, QStringLiteral("videoconvert0 maps dma-bufs into system memory"));
	QVERIFY2(f[0].cause.contains("dmabuf from system, BGRx 320x240") &&
			 f[0].cause.contains("system, I420 320x240"),
		 qPrintable(f[0].cause));
	/* dmabufcpufilter does not write YUV: the fix says what else to do. */
	QVERIFY2(f[0].fix.contains("BGRx→I420 (RGB→YUV)") &&
			 f[0].fix.contains("let the consumer take BGRx"),
		 qPrintable(f[0].fix));
	QCOMPARE(f[0].count, 40.0);
	QCOMPARE(f[1].kind, QStringLiteral("upload"));
	QCOMPARE(f[1].element, QStringLiteral("pipeline0/dmabufupload0"));
	QVERIFY2(f[1].cause.startsWith("videotestsrc0 produces system memory"),
		 qPrintable(f[1].cause));
	QVERIFY(f[1].fix.contains("have videotestsrc0 write into dma-bufs"));
	/* The dump carries the same list. */
	const QJsonArray dumped = m.summary().value("findings").toArray();
	QCOMPARE(dumped.size(), 2);
	QCOMPARE(dumped[0].toObject().value("element").toString(), f[0].element);
	QCOMPARE(dumped[0].toObject().value("fix").toString(), f[0].fix);
}

void TestFindings::copyingVideoconvertYuvToRgb()
{
	Session s;
	s.element("src", "dmabufv4l2src", "Source/Video")
		.element("videoconvert0", "videoconvert", "Filter/Converter/Video", {},
			 copies(90, "dma-buf in, other memory out"))
		.element("sink", "fakesink", "Sink")
		.link("src", "videoconvert0", caps("NV12"), dmabuf(90))
		.link("videoconvert0", "sink", caps("BGRx"), sysmem(90, true));
	const QList<Finding> f = findingsOf(s);
	QCOMPARE(f.size(), 1);
	QCOMPARE(f[0].kind, QStringLiteral("copy"));
	QCOMPARE(f[0].element, QStringLiteral("p/videoconvert0"));
	QCOMPARE(f[0].title + ": " + f[0].fix,
		 QStringLiteral("videoconvert0 maps dma-bufs into system memory: use "
				"dmabufcpufilter for NV12→BGRx (YUV→RGB): it converts dma-buf to "
				"dma-buf"));
	QVERIFY(f[0].cause.contains("dmabuf from dma-heap:system, NV12 640x480 on src:src"));
}

static QList<Finding> recorded(const char *file, SessionModel &m)
{
	SessionRecording rec;
	QString err;
	if (!rec.load(QStringLiteral(DBK_TEST_DATA "/") + file, &err))
		qWarning("%s", qPrintable(err));
	rec.replayTo(m, 1e9);
	return findFindings(m);
}

void TestFindings::recordedTeeWithACopyingBranch()
{
	/* Recorded in the VM: NV12 dma-bufs into a tee; one branch through
	   videoconvert to BGRx (a copy), one through dmabufcpufilter (none). */
	SessionModel m;
	const QList<Finding> f = recorded("tracer-session-tee15.jsonl", m);
	QCOMPARE(f.size(), 2);
	QCOMPARE(f[0].kind, QStringLiteral("copy"));
	QCOMPARE(f[0].element, QStringLiteral("pipeline0/videoconvert0"));
	QCOMPARE(f[0].title + ": " + f[0].fix,
		 QStringLiteral("videoconvert0 maps dma-bufs into system memory: use "
				"dmabufcpufilter for NV12→BGRx (YUV→RGB): it converts dma-buf to "
				"dma-buf"));
	QVERIFY2(f[0].cause.contains("in: dmabuf from system, NV12 320x240 on queue0:src; out: "
				     "system, BGRx 320x240 on videoconvert0:src"),
		 qPrintable(f[0].cause));
	QCOMPARE(f[1].kind, QStringLiteral("upload"));
}

void TestFindings::recordedReferencePipelineIsClean()
{
	/* Recorded in the VM: vivid, FWHT encode and decode, dmabufcpufilter, vkms. */
	SessionModel m;
	const QList<Finding> f = recorded("tracer-session-reference.jsonl", m);
	QCOMPARE(m.links().size(), 6);
	QVERIFY2(f.isEmpty(), qPrintable(f.isEmpty() ? QString() : f[0].title + ": " + f[0].cause));
}

void TestFindings::performanceCopyOfAStockElement()
{
	/* A stock element that copies without the tracer seeing new memory kinds
	   says so on GST_PERFORMANCE (v4l2's buffer pool words it like this). */
	Session s = cleanPipeline();
	s.element("v4l2src0", "v4l2src", "Source/Video", {},
		  { { "performance", QJsonObject{ { "count", 45 },
						  { "last", "slow copy into buffer 0x5581" } } } })
		.link("v4l2src0", "sink", caps("YUY2"), dmabuf(45));
	const QList<Finding> f = findingsOf(s);
	QCOMPARE(f.size(), 1);
	QCOMPARE(f[0].kind, QStringLiteral("performance-copy"));
	QCOMPARE(f[0].element, QStringLiteral("p/v4l2src0"));
	QCOMPARE(f[0].count, 45.0);
	QVERIFY2(f[0].cause.contains("logged 45 GST_PERFORMANCE messages about copying, the last "
				     "\"slow copy into buffer 0x5581\""),
		 qPrintable(f[0].cause));
	QVERIFY(f[0].fix.startsWith("give v4l2src0 memory it can use as is"));
}

void TestFindings::starvingPool()
{
	/* A sink that holds buffers: the producer's 4 buffers are all downstream. */
	QJsonObject poolStats{ { "pool-stats", QJsonObject{ { "allocated", 4 },
							    { "in-flight", 4 },
							    { "waits", 17 },
							    { "exporter", "dma-heap:system" } } } };
	Session s;
	s.element("src", "videotestsrc", "Source/Video")
		.element("up", "dmabufupload", "Filter/Video", {}, { { "stats", poolStats } })
		.element("q", "queue", "Generic", { { "current-level-buffers", 2 } })
		.element("sink", "fakesink", "Sink",
			 { { "sync", true }, { "enable-last-sample", true } })
		.link("src", "up", caps("BGRx"), sysmem(100))
		.link("up", "q", caps("BGRx"), dmabuf(100))
		.link("q", "sink", caps("BGRx"), dmabuf(100));
	QList<Finding> f = findingsOf(s);
	f.removeIf([](const Finding &x) { return x.kind == QLatin1String("upload"); });
	QCOMPARE(f.size(), 1);
	QCOMPARE(f[0].kind, QStringLiteral("pool-starved"));
	QCOMPARE(f[0].element, QStringLiteral("p/up"));
	QCOMPARE(f[0].count, 17.0);
	QVERIFY2(f[0].cause.contains("17 times every one of its 4 buffers was in flight and up "
				     "waited; held by: q (queue holding 2), sink (sync=true: holds "
				     "each frame until its time, enable-last-sample keeps one)"),
		 qPrintable(f[0].cause));
	QVERIFY(f[0].fix.contains("enable-last-sample=false"));
}

void TestFindings::refusedImport()
{
	/* The decision dmabufv4l2src publishes on a dma-contig vivid (docs/allocator.md). */
	const QString decision = QStringLiteral(
		"dma-heap:reserved for dmabufkmssink0 (KMS plane 32) + /dev/video4 "
		"(vivid-000-vid-cap) CAPTURE (contiguous, scanout, refuses dma-heap:system, "
		"imports dma-heap:reserved); not drm-dumb:vkms: not physically contiguous; not "
		"dma-heap:system: refused by VIDIOC_QBUF on /dev/video4 (vivid): Bad address "
		"(errno 14) (buffer 0 on CAPTURE): the device could not map the dma-buf; devices "
		"without an IOMMU (vb2-dma-contig) need physically contiguous memory (a CMA heap)");
	Session s = cleanPipeline();
	s.elements[0] =
		QJsonObject{ { "id", "p/src" },
			     { "name", "src" },
			     { "factory", "dmabufv4l2src" },
			     { "klass", "Source/Video" },
			     { "bin", false },
			     { "properties", QJsonObject{ { "allocation-decision", decision } } } };
	const QList<Finding> f = findingsOf(s);
	QCOMPARE(f.size(), 1);
	QCOMPARE(f[0].kind, QStringLiteral("import-refused"));
	QCOMPARE(f[0].element, QStringLiteral("p/src"));
	QCOMPARE(f[0].link, QStringLiteral("p/src:src"));
	QCOMPARE(f[0].title,
		 QStringLiteral("/dev/video4 (vivid) refuses dma-heap:system dma-bufs"));
	QVERIFY2(f[0].cause.startsWith(
			 "VIDIOC_QBUF on /dev/video4 (vivid): Bad address (errno 14)") &&
			 f[0].cause.endsWith("need physically contiguous memory (a CMA heap)"),
		 qPrintable(f[0].cause));
	QVERIFY2(f[0].fix.startsWith("src's pool allocates from dma-heap:reserved instead"),
		 qPrintable(f[0].fix));
}

void TestFindings::recordedRefusedImport()
{
	/* Recorded in the VM booted with vivid.allocators=1 (dma-contig): the
	   reference pipeline importing into vivid, which refuses the system heap
	   and udmabuf in its probe; the pool takes the CMA heap. */
	SessionModel m;
	const QList<Finding> f = recorded("tracer-session-refused.jsonl", m);
	QCOMPARE(f.size(), 2);
	QStringList exporters;
	for (const Finding &x : f) {
		QCOMPARE(x.kind, QStringLiteral("import-refused"));
		QCOMPARE(x.element, QStringLiteral("pipeline0/capture"));
		QCOMPARE(x.cause,
			 QStringLiteral("VIDIOC_QBUF on /dev/video4 (vivid): Bad address (errno "
					"14) (buffer 0 on CAPTURE): the device could not map "
					"the dma-buf; devices without an IOMMU (vb2-dma-contig) "
					"need physically contiguous memory (a CMA heap)"));
		QVERIFY2(
			x.fix.startsWith("capture's pool allocates from dma-heap:reserved instead"),
			qPrintable(x.fix));
		exporters << x.title;
	}
	exporters.sort();
	QCOMPARE(exporters, QStringList({ "/dev/video4 (vivid) refuses dma-heap:system dma-bufs",
					  "/dev/video4 (vivid) refuses udmabuf dma-bufs" }));
}

void TestFindings::lateAndDroppedFrames()
{
	Session s;
	s.element("src", "videotestsrc", "Source/Video")
		.element("slow", "videoconvert", "Filter/Converter/Video", {},
			 { { "latency", QJsonObject{ { "avg_us", 48000 } } } })
		.element("sink", "xvimagesink", "Sink/Video", { { "sync", true } },
			 { { "qos", 12 },
			   { "stats",
			     QJsonObject{ { "stats", QJsonObject{ { "dropped", 12 },
								  { "rendered", 88 } } } } } })
		.link("src", "slow", caps("I420"), sysmem(100))
		.link("slow", "sink", caps("BGRx"), sysmem(100));
	const QList<Finding> f = findingsOf(s);
	QCOMPARE(f.size(), 2);
	QCOMPARE(f[0].kind, QStringLiteral("late-frames"));
	QCOMPARE(f[1].kind, QStringLiteral("dropped-frames"));
	for (const Finding &x : f) {
		QCOMPARE(x.element, QStringLiteral("p/sink"));
		QVERIFY2(x.cause.contains("the slowest element upstream is slow (48.0 ms a frame)"),
			 qPrintable(x.cause));
	}
	QCOMPARE(f[1].title, QStringLiteral("sink dropped 12 frames"));
}

void TestFindings::memoryKindChangedMidStream()
{
	Session s = cleanPipeline();
	QJsonObject mixed = dmabuf(60);
	mixed.insert("kinds", QJsonObject{ { "dmabuf", 50 }, { "system", 10 } });
	mixed.insert("kind", "system");
	mixed.insert("id", "p/dec:src");
	s.linkStats[2] = mixed;
	const QList<Finding> f = findingsOf(s);
	QCOMPARE(f.size(), 1);
	QCOMPARE(f[0].kind, QStringLiteral("kind-changed"));
	QCOMPARE(f[0].link, QStringLiteral("p/dec:src"));
	QCOMPARE(f[0].cause, QStringLiteral("buffers by kind: dmabuf 50, system 10 (now system)"));
}

void TestFindings::errorComesFirst()
{
	Session s;
	s.element("src", "videotestsrc", "Source/Video")
		.element("up", "dmabufupload", "Filter/Video", {},
			 copies(10, "system memory in, dma-buf out (upload)"))
		.link("src", "up", caps("BGRx"), sysmem(10))
		.event({ { "what", "error" },
			 { "element", "p/up" },
			 { "message", "no exporter meets the constraints of x (contiguous)" } });
	const QList<Finding> f = findingsOf(s);
	QCOMPARE(f.size(), 2);
	QCOMPARE(f[0].kind, QStringLiteral("error"));
	QVERIFY(f[0].fix.contains("docs/allocator.md"));
	QCOMPARE(f[1].kind, QStringLiteral("upload"));
}

void TestFindings::capsFields()
{
	const QString c = QStringLiteral("video/x-raw, width=(int)320, height=(int)240, "
					 "framerate=(fraction)30/1, format=(string)I420");
	QCOMPARE(capsField(c, "format"), QStringLiteral("I420"));
	QCOMPARE(capsField(c, "width"), QStringLiteral("320"));
	QCOMPARE(capsField(c, "framerate"), QStringLiteral("30/1"));
	QCOMPARE(capsField(c, "rate"), QString());
}

QTEST_GUILESS_MAIN(TestFindings)
#include "test_findings.moc"

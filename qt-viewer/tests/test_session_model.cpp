/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The viewer's model, fed with a session the tracer recorded in the test VM
 * (tests/data/tracer-session-upload.jsonl: videotestsrc ! dmabufupload !
 * videoconvert ! fakesink, 40 buffers), and one with live previews
 * (tests/data/tracer-session-preview.jsonl: 40 frames of solid R 0x33 G 0x66
 * B 0xcc, NV12 96x72 dma-bufs from dmabufupload into fakesink, preview=auto).
 */
#include <QJsonArray>
#include <QJsonDocument>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include "graph_layout.h"
#include "session_model.h"
#include "session_recording.h"

using namespace dbkviewer;

class TestSessionModel : public QObject
{
	Q_OBJECT
private slots:
	void initTestCase();
	void graphFromRecording();
	void linkKindsAndCopies();
	void countsAndRates();
	void replayToTheMiddle();
	void summaryJson();
	void saveAndReload();
	void layoutPlacesElementsLeftToRight();
	void layoutWrapsLongChainsIntoRows();
	void layoutKeepsLabelsOffElements();
	void journeysOfTheReferencePipeline();
	void rejectsOtherProtocols();
	void previewFromRecording();
	void previewFollowsTheReplayTime();
	void unknownLineTypesAreIgnored();

private:
	QString path_;
	SessionRecording rec_;
};

static QString link(const QString &element)
{
	return QStringLiteral("pipeline0/%1:src").arg(element);
}

void TestSessionModel::initTestCase()
{
	path_ = QStringLiteral(DBK_TEST_DATA "/tracer-session-upload.jsonl");
	QString err;
	QVERIFY2(rec_.load(path_, &err), qPrintable(err));
	QVERIFY(rec_.size() > 10);
	QVERIFY(rec_.endTime() > rec_.startTime());
}

void TestSessionModel::graphFromRecording()
{
	SessionModel m;
	QSignalSpy graphs(&m, &SessionModel::graphChanged);
	rec_.replayTo(m, 1e9);
	QVERIFY(m.hasHello());
	QCOMPARE(m.protocolVersion(), 1);
	QCOMPARE(m.malformedLines(), 0u);
	QVERIFY(graphs.count() >= 1);
	QStringList factories;
	for (const ElementInfo *e : m.leafElements())
		factories << e->factory;
	factories.sort();
	QCOMPARE(factories, QStringList({ "capsfilter", "capsfilter", "dmabufupload", "fakesink",
					  "videoconvert", "videotestsrc" }));
	QCOMPARE(m.links().size(), 5);
	const LinkInfo *l = m.link(link("dmabufupload0"));
	QVERIFY(l);
	QCOMPARE(l->sink, QStringLiteral("pipeline0/videoconvert0"));
	QVERIFY(l->caps.contains("BGRx"));
	const ElementInfo *conv = m.element("pipeline0/videoconvert0");
	QVERIFY(conv);
	QCOMPARE(conv->pads.size(), 2);
	QVERIFY(!conv->properties.isEmpty());
}

void TestSessionModel::linkKindsAndCopies()
{
	SessionModel m;
	rec_.replayTo(m, 1e9);
	QCOMPARE(m.linkStats(link("videotestsrc0")).kind, LinkKind::System);
	LinkStats up = m.linkStats(link("dmabufupload0"));
	QCOMPARE(up.kind, LinkKind::DmaBuf);
	QVERIFY(!up.exporter.isEmpty());
	QVERIFY(!up.names.isEmpty());
	QVERIFY(up.names.first().startsWith("dmabufupload0:"));
	QVERIFY(up.inodes >= 1);
	QCOMPARE(m.linkStats(link("videoconvert0")).kind, LinkKind::System);
	QVERIFY(m.linkStats(link("videoconvert0")).copied);
	ElementStats conv = m.elementStats("pipeline0/videoconvert0");
	QCOMPARE(conv.copies, 40u);
	QVERIFY(conv.copyReason.contains("dma-buf"));
	QCOMPARE(m.elementStats("pipeline0/fakesink0").copies, 0u);
	/* dmabufupload's own counters arrive generically. */
	QCOMPARE(m.elementStats("pipeline0/dmabufupload0").counters.value("copies").toULongLong(),
		 40u);
}

void TestSessionModel::countsAndRates()
{
	SessionModel m;
	rec_.replayTo(m, 1e9);
	for (const LinkInfo &l : m.links())
		QCOMPARE(m.linkStats(l.id).buffers, 40u);
	Series fps = m.fpsSeries(link("dmabufupload0"));
	QVERIFY(fps.size() >= 5);
	double maxFps = 0;
	for (const QPointF &p : fps)
		maxFps = qMax(maxFps, p.y());
	QVERIFY(maxFps > 10);
	QVERIFY(!m.cpuSeries().isEmpty());
	QVERIFY(m.elementStats("pipeline0/videoconvert0").latencyAvgUs > 0);
	/* dmabufupload's pool occupancy over time, from its pool-stats property. */
	Series pool = m.poolSeries("pipeline0/dmabufupload0 pool-stats");
	QVERIFY(pool.size() >= 5);
	double maxInFlight = 0;
	for (const QPointF &p : pool)
		maxInFlight = qMax(maxInFlight, p.y());
	QVERIFY(maxInFlight >= 1);
}

void TestSessionModel::replayToTheMiddle()
{
	SessionModel full, half;
	rec_.replayTo(full, 1e9);
	double mid = (rec_.startTime() + rec_.endTime()) / 2;
	int n = rec_.replayTo(half, mid);
	QVERIFY(n > 0 && n < rec_.size());
	QVERIFY(half.statsCount() < full.statsCount());
	QVERIFY(half.linkStats(link("videotestsrc0")).buffers < 40u);
	/* Seeking back to the end restores the full state. */
	rec_.replayTo(half, 1e9);
	QCOMPARE(half.statsCount(), full.statsCount());
}

void TestSessionModel::summaryJson()
{
	SessionModel m;
	rec_.replayTo(m, 1e9);
	QJsonObject s = m.summary();
	QCOMPARE(s.value("links").toArray().size(), 5);
	bool sawDmabuf = false;
	for (const QJsonValue &v : s.value("links").toArray())
		sawDmabuf |= v.toObject().value("kind").toString() == "dmabuf";
	QVERIFY(sawDmabuf);
}

void TestSessionModel::saveAndReload()
{
	QTemporaryDir dir;
	QString p = dir.filePath("copy.jsonl");
	QString err;
	QVERIFY2(rec_.save(p, &err), qPrintable(err));
	SessionRecording again;
	QVERIFY(again.load(p, &err));
	QCOMPARE(again.size(), rec_.size());
	SessionModel a, b;
	rec_.replayTo(a, 1e9);
	again.replayTo(b, 1e9);
	QCOMPARE(QJsonDocument(a.summary()).toJson(), QJsonDocument(b.summary()).toJson());
	QVERIFY(!again.load(dir.filePath("missing.jsonl"), &err));
	QVERIFY(err.contains("missing.jsonl"));
}

void TestSessionModel::layoutPlacesElementsLeftToRight()
{
	SessionModel m;
	rec_.replayTo(m, 1e9);
	LayoutInput in;
	for (const ElementInfo *e : m.leafElements())
		in.nodes.append({ e->id, QSizeF(120, 50) });
	for (const LinkInfo &l : m.links())
		in.edges.append({ l.id, l.src, l.sink });
	LayoutResult r = layoutGraph(in);
	QVERIFY2(r.ok, qPrintable(r.error));
	QCOMPARE(r.nodes.size(), 6);
	for (const LinkInfo &l : m.links()) {
		QVERIFY(r.nodes[l.src].right() < r.nodes[l.sink].left());
		QVERIFY(r.edges.value(l.id).size() >= 4);
	}
	QCOMPARE(r.nodes["pipeline0/fakesink0"].size(), QSizeF(120, 50));
}

/* A chain of @n elements, or a tee into @branches branches of 3. */
static LayoutInput chain(int n, int branches = 0)
{
	LayoutInput in;
	for (int i = 0; i < n; ++i) {
		in.nodes.append({ QString::number(i), QSizeF(150, 60) });
		if (i)
			in.edges.append({ "l" + QString::number(i), QString::number(i - 1),
					  QString::number(i), QSizeF(170, 40) });
	}
	for (int b = 0; b < branches; ++b)
		for (int k = 0; k < 3; ++k) {
			const QString id = QStringLiteral("b%1-%2").arg(b).arg(k);
			in.nodes.append({ id, QSizeF(150, 60) });
			const QString from = k ? QStringLiteral("b%1-%2").arg(b).arg(k - 1)
					       : QString::number(n - 1);
			in.edges.append({ "e" + id, from, id, QSizeF(170, 40) });
		}
	return in;
}

static void noOverlaps(const LayoutResult &r)
{
	QList<QRectF> boxes = r.nodes.values() + r.labels.values();
	for (int i = 0; i < boxes.size(); ++i)
		for (int j = i + 1; j < boxes.size(); ++j)
			QVERIFY2(!boxes[i].intersects(boxes[j]), "two boxes overlap");
}

void TestSessionModel::layoutWrapsLongChainsIntoRows()
{
	/* 30 elements at readable size do not fit 900 units: wrapped into rows
	   no wider than the view, every link still reaching its sink. */
	LayoutInput lr = chain(30), tb = chain(30);
	LayoutResult r = chooseLayout(lr, tb, QSizeF(900, 500));
	QVERIFY2(r.ok, qPrintable(r.error));
	QCOMPARE(r.direction, LayoutDirection::LeftToRight);
	QVERIFY2(r.rows >= 4, qPrintable(QString::number(r.rows)));
	QVERIFY2(r.bounds.width() <= 900, qPrintable(QString::number(r.bounds.width())));
	QCOMPARE(r.nodes.size(), 30);
	QCOMPARE(r.labels.size(), 29);
	noOverlaps(r);
	for (const auto &e : lr.edges) {
		const QVector<QPointF> &pts = r.edges.value(e.id);
		QVERIFY(pts.size() >= 4 && (pts.size() - 1) % 3 == 0);
		QVERIFY(r.nodes[e.from].adjusted(-2, -2, 2, 2).contains(pts.first()));
		QVERIFY(r.nodes[e.to].adjusted(-2, -2, 2, 2).contains(pts.last()));
	}
	/* Reading order: row by row, left to right. */
	for (int i = 1; i < 30; ++i) {
		const QRectF a = r.nodes[QString::number(i - 1)], b = r.nodes[QString::number(i)];
		QVERIFY(b.left() > a.left() || b.top() > a.bottom());
	}
	/* With the viewer's sizes and the default window's graph area too. */
	LayoutInput big = chain(30);
	for (auto &n : big.nodes)
		n.size = QSizeF(190, 62);
	for (auto &e : big.edges)
		e.label = QSizeF(180, 38);
	LayoutResult v = chooseLayout(big, big, QSizeF(831, 440));
	QCOMPARE(v.direction, LayoutDirection::LeftToRight);
	QVERIFY2(v.bounds.width() <= 831, qPrintable(QString::number(v.bounds.width())));
	/* A short chain stays on one row. */
	LayoutResult shortOne = chooseLayout(chain(4), chain(4), QSizeF(1600, 500));
	QCOMPARE(shortOne.rows, 1);
	QCOMPARE(shortOne.direction, LayoutDirection::LeftToRight);
}

void TestSessionModel::layoutKeepsLabelsOffElements()
{
	/* A tee with 4 branches after a chain of 6: 18 elements. */
	LayoutInput in = chain(6, 4);
	LayoutResult r = chooseLayout(in, in, QSizeF(1100, 500));
	QVERIFY2(r.ok, qPrintable(r.error));
	QCOMPARE(r.nodes.size(), 18);
	QCOMPARE(r.labels.size(), 17);
	QVERIFY(r.bounds.width() <= 1100);
	noOverlaps(r);
}

void TestSessionModel::journeysOfTheReferencePipeline()
{
	/* Recorded in the VM with journeys=5: vivid, encode, decode, convert, display. */
	SessionRecording rec;
	QString err;
	QVERIFY2(rec.load(QStringLiteral(DBK_TEST_DATA "/tracer-session-reference.jsonl"), &err),
		 qPrintable(err));
	SessionModel m;
	rec.replayTo(m, 1e9);
	const JourneyStore &js = m.journeys();
	QCOMPARE(js.sampling(), 5);
	QCOMPARE(js.lost(), 0u);
	QCOMPARE(js.journeys().size(), 12); /* 60 frames, one in 5 */
	const QStringList path{ "capture", "capsfilter0", "encode", "decode",
				"convert", "capsfilter1", "display" };
	for (const Journey &j : js.journeys()) {
		const QList<JourneySlice> sl = JourneyStore::slices(j, m.links());
		QStringList got;
		for (const JourneySlice &s : sl)
			got << s.element.section('/', -1);
		QCOMPARE(got, path);
		for (int i = 0; i < sl.size(); ++i) {
			QVERIFY(sl[i].end >= sl[i].begin);
			if (i) {
				QVERIFY(sl[i].begin >= sl[i - 1].begin);
				QCOMPARE(sl[i].begin, sl[i - 1].end); /* entered where it left */
			}
			/* Zero-copy: a dma-buf carried it everywhere, with its name. */
			QVERIFY2(sl[i].inode && !sl[i].name.isEmpty(), qPrintable(sl[i].element));
		}
		QVERIFY(sl.last().end > sl.first().begin);
	}
	/* The export: B/E matched per track (same name, E not before B), every
	   flow with one start and one end, in time order. */
	const QJsonArray evs = js.chromeTrace(m.links(), "ref").value("traceEvents").toArray();
	QHash<int, QList<QJsonObject>> open;
	QHash<double, QList<QJsonObject>> flows;
	int slices = 0;
	for (const QJsonValue &v : evs) {
		const QJsonObject e = v.toObject();
		for (const char *k : { "name", "ph", "pid", "tid" })
			QVERIFY2(e.contains(k), k);
		const QString ph = e.value("ph").toString();
		const int tid = e.value("tid").toInt();
		if (ph == "B")
			open[tid].append(e);
		else if (ph == "E") {
			QVERIFY(!open[tid].isEmpty());
			const QJsonObject b = open[tid].takeLast();
			QCOMPARE(b.value("name"), e.value("name"));
			QVERIFY(e.value("ts").toDouble() >= b.value("ts").toDouble());
			++slices;
		} else if (ph == "s" || ph == "t" || ph == "f")
			flows[e.value("id").toDouble()].append(e);
	}
	for (const auto &o : open)
		QVERIFY(o.isEmpty());
	QCOMPARE(slices, 12 * 7);
	QCOMPARE(flows.size(), 12);
	for (const auto &fl : flows) {
		QCOMPARE(fl.size(), 7);
		QCOMPARE(fl.first().value("ph").toString(), QStringLiteral("s"));
		QCOMPARE(fl.last().value("ph").toString(), QStringLiteral("f"));
		for (int i = 1; i < fl.size(); ++i)
			QVERIFY(fl[i].value("ts").toDouble() >= fl[i - 1].value("ts").toDouble());
	}
}

void TestSessionModel::rejectsOtherProtocols()
{
	SessionModel m;
	QVERIFY(!m.ingestLine(R"({"type":"hello","protocol":"something-else","v":1})"));
	QVERIFY(!m.hasHello());
	QVERIFY(!m.ingestLine(R"({"type":"graph","elements":{}})"));
	QCOMPARE(m.malformedLines(), 2u);
}

void TestSessionModel::previewFromRecording()
{
	SessionRecording rec;
	QString err;
	QVERIFY2(rec.load(QStringLiteral(DBK_TEST_DATA "/tracer-session-preview.jsonl"), &err),
		 qPrintable(err));
	SessionModel m;
	QSignalSpy previews(&m, &SessionModel::previewUpdated);
	rec.replayTo(m, 1e9);
	QCOMPARE(m.malformedLines(), 0u);
	QCOMPARE(m.ignoredLines(), 0u);
	QVERIFY(m.hasPreview());
	QCOMPARE(m.previewCount(), 3u);	   /* 1.3 s of video, at most 2 a second */
	QCOMPARE(previews.count(), 1 + 3); /* the clear before the replay, then each picture */
	const PreviewFrame &p = m.preview();
	QCOMPARE(p.link, link("dmabufupload0"));
	QCOMPARE(p.element, QStringLiteral("pipeline0/fakesink0"));
	QCOMPARE(p.pad, QStringLiteral("sink"));
	QCOMPARE(p.sourceFormat, QStringLiteral("NV12"));
	QCOMPARE(p.sourceWidth, 96);
	QCOMPARE(p.sourceHeight, 72);
	QCOMPARE(p.width, 96);
	QCOMPARE(p.height, 72);
	QVERIFY(p.pts >= 0);
	QCOMPARE(p.rgb.size(), 96 * 72 * 3);
	const int want[3] = { 0x33, 0x66, 0xcc };
	for (int i = 0; i < p.rgb.size(); ++i)
		QVERIFY2(qAbs(int(uchar(p.rgb[i])) - want[i % 3]) <= 3,
			 qPrintable(QString::number(i)));
	/* And in the summary, as its mean colour. */
	QJsonObject s = m.summary().value("preview").toObject();
	QCOMPARE(s.value("count").toInt(), 3);
	QJsonArray mean = s.value("mean_rgb").toArray();
	QCOMPARE(mean.size(), 3);
	for (int c = 0; c < 3; ++c)
		QVERIFY(qAbs(mean[c].toDouble() - want[c]) < 3);
	/* The link it shows carried dma-bufs. */
	QCOMPARE(m.linkStats(p.link).kind, LinkKind::DmaBuf);
}

void TestSessionModel::previewFollowsTheReplayTime()
{
	SessionRecording rec;
	QString err;
	QVERIFY(rec.load(QStringLiteral(DBK_TEST_DATA "/tracer-session-preview.jsonl"), &err));
	QList<double> times;
	for (const auto &l : rec.lines())
		if (l.text.contains("\"type\":\"preview\""))
			times << l.t;
	QCOMPARE(times.size(), 3);
	SessionModel m;
	rec.replayTo(m, times[0] - 0.001);
	QVERIFY(!m.hasPreview());
	rec.replayTo(m, times[1]);
	QCOMPARE(m.previewCount(), 2u);
	QVERIFY(m.preview().t <= times[1]);
	/* Seeking clears it with the rest. */
	rec.replayTo(m, rec.startTime());
	QVERIFY(!m.hasPreview());
	QVERIFY(m.preview().rgb.isEmpty());
}

void TestSessionModel::unknownLineTypesAreIgnored()
{
	/* A newer tracer's line types: skipped, not counted as malformed. */
	SessionModel m;
	QVERIFY(m.ingestLine(R"({"type":"something-new","v":1,"t":1.0,"x":[1,2]})"));
	QCOMPARE(m.ignoredLines(), 1u);
	QCOMPARE(m.malformedLines(), 0u);
	/* A preview that is not one still is malformed. */
	QVERIFY(!m.ingestLine(
		R"({"type":"preview","v":1,"format":"rgb888","width":2,"height":1,"data":"AAAA"})"));
	QCOMPARE(m.malformedLines(), 1u);
	QVERIFY(m.ingestLine(
		R"({"type":"preview","v":1,"format":"rgb888","width":2,"height":1,"data":"/wAAAP8A"})"));
	QCOMPARE(m.preview().rgb, QByteArray("\xff\0\0\0\xff\0", 6));
}

QTEST_GUILESS_MAIN(TestSessionModel)
#include "test_session_model.moc"

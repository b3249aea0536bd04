/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The JSON consumer under malformed and hostile input: truncated lines, bit
 * flips, wrong types, absurd numbers, deep nesting, binary noise. Nothing may
 * crash, and a valid session read afterwards must still come out right.
 * Live previews get their own abuse: broken base64, sizes that do not match
 * the data, absurd dimensions; a picture the model keeps is always whole.
 */
#include <QJsonArray>
#include <QJsonDocument>
#include <QRandomGenerator>
#include <QTest>

#include "session_model.h"
#include "session_recording.h"

using namespace dbkviewer;

static QJsonValue confuse(const QJsonValue &v, QRandomGenerator &rng, int depth = 0);

class TestModelFuzz : public QObject
{
	Q_OBJECT
private slots:
	void initTestCase();
	void truncatedLines();
	void bitFlips();
	void wrongTypes();
	void hostileShapes();
	void previewAbuse();
	void previewBitFlipsAndTypes();
	void journeyAbuse();
	void stillCorrectAfterwards();

private:
	void feedValidSession(SessionModel &m);
	void checkPreviewWhole();
	SessionRecording rec_;
	SessionRecording previewRec_;
	QByteArray previewLine_; /* a valid preview line from the recording */
	SessionModel model_;	 /* the same model takes every abuse */
};

void TestModelFuzz::initTestCase()
{
	QString err;
	QVERIFY2(rec_.load(QStringLiteral(DBK_TEST_DATA "/tracer-session-upload.jsonl"), &err),
		 qPrintable(err));
	QVERIFY2(previewRec_.load(QStringLiteral(DBK_TEST_DATA "/tracer-session-preview.jsonl"),
				  &err),
		 qPrintable(err));
	for (const auto &l : previewRec_.lines())
		if (l.text.contains("\"type\":\"preview\""))
			previewLine_ = l.text;
	QVERIFY(!previewLine_.isEmpty());
}

void TestModelFuzz::checkPreviewWhole()
{
	if (!model_.hasPreview())
		return;
	const PreviewFrame &p = model_.preview();
	QVERIFY(p.width >= 1 && p.width <= SessionModel::kMaxPreviewSide);
	QVERIFY(p.height >= 1 && p.height <= SessionModel::kMaxPreviewSide);
	QCOMPARE(p.rgb.size(), qsizetype(p.width) * p.height * 3);
}

void TestModelFuzz::previewAbuse()
{
	QJsonObject good = QJsonDocument::fromJson(previewLine_).object();
	QVERIFY(model_.ingestLine(previewLine_));
	const quint64 accepted = model_.previewCount();
	const QByteArray goodRgb = model_.preview().rgb;
	auto with = [&](const QString &key, const QJsonValue &v) {
		QJsonObject o = good;
		if (v.isUndefined())
			o.remove(key);
		else
			o.insert(key, v);
		return QJsonDocument(o).toJson(QJsonDocument::Compact);
	};
	const QString data = good.value("data").toString();
	QString badChar = data;
	badChar[data.size() / 2] = QChar('*');
	QString inner = data;
	inner[8] = QChar('=');
	QList<QByteArray> lines = {
		with("data", QJsonValue::Undefined),
		with("data", 42),
		with("data", QJsonArray{ data }),
		with("data", ""),
		with("data", data.left(data.size() - 4)),
		with("data", data + "AAAA"),
		with("data", badChar),
		with("data", inner),
		with("data", QString(data.size(), QChar(0x263a))),
		with("data", QString(8 * 1024 * 1024 / 4, 'A')),
		with("width", 0),
		with("width", -96),
		with("width", 97),
		with("width", 96.5),
		with("width", 1e300),
		with("width", "96"),
		with("width", QJsonValue::Undefined),
		with("height", 1 << 30),
		with("height", 2147483647.0 * 3),
		with("height", QJsonValue()),
		with("format", "rgb565"),
		with("format", QJsonValue::Undefined),
		with("source", "NV12"),
		with("source", QJsonArray{}),
		with("t", "later"),
		with("pts", -1e300),
		with("link", QJsonObject{}),
	};
	/* Width and height swapped with data sized for neither. */
	QJsonObject o = good;
	o.insert("width", 1024);
	o.insert("height", 1024);
	lines << QJsonDocument(o).toJson(QJsonDocument::Compact);
	int accepts = 0;
	for (const QByteArray &l : lines) {
		accepts += model_.ingestLine(l);
		checkPreviewWhole();
	}
	/* Wrong types in the optional members are tolerated (the picture is
	   whole); everything that breaks the picture is refused. */
	QCOMPARE(model_.previewCount(), accepted + accepts);
	QVERIFY(accepts <= 5);
	QVERIFY(model_.preview().rgb == goodRgb);
}

void TestModelFuzz::previewBitFlipsAndTypes()
{
	QRandomGenerator rng(20261122);
	for (int round = 0; round < 400; ++round) {
		QByteArray t = previewLine_;
		int flips = 1 + rng.bounded(16);
		for (int i = 0; i < flips; ++i)
			t[rng.bounded(t.size())] = static_cast<char>(rng.bounded(256));
		model_.ingestLine(t);
		checkPreviewWhole();
	}
	for (int round = 0; round < 200; ++round) {
		const auto &line = previewRec_.lines()[rng.bounded(previewRec_.size())].text;
		QJsonValue c = confuse(QJsonDocument::fromJson(line).object(), rng);
		model_.ingestLine(QJsonDocument(c.toObject()).toJson(QJsonDocument::Compact));
		checkPreviewWhole();
	}
}

void TestModelFuzz::truncatedLines()
{
	for (const auto &l : rec_.lines()) {
		const QByteArray &t = l.text;
		int step = qMax(1, t.size() / 97);
		for (int cut = 0; cut < t.size(); cut += step)
			model_.ingestLine(t.left(cut));
	}
	QVERIFY(model_.malformedLines() > 100);
}

void TestModelFuzz::bitFlips()
{
	QRandomGenerator rng(20261121);
	for (int round = 0; round < 3000; ++round) {
		QByteArray t = rec_.lines()[rng.bounded(rec_.size())].text;
		int flips = 1 + rng.bounded(8);
		for (int i = 0; i < flips; ++i)
			t[rng.bounded(t.size())] = static_cast<char>(rng.bounded(256));
		model_.ingestLine(t);
	}
	QVERIFY(model_.linesIngested() > 3000);
}

/* Replace every value below @v by something of another type. */
static QJsonValue confuse(const QJsonValue &v, QRandomGenerator &rng, int depth)
{
	static const QJsonValue replacements[] = {
		QJsonValue(),
		QJsonValue(true),
		QJsonValue(-1),
		QJsonValue(1e308),
		QJsonValue(-1e308),
		QJsonValue("x"),
		QJsonValue(QJsonArray{ 1, "a", QJsonValue() }),
		QJsonValue(QJsonObject{}),
		QJsonValue(QString(5000, QChar('z'))),
		QJsonValue(18446744073709551615.0),
	};
	if (v.isObject()) {
		QJsonObject o = v.toObject();
		for (auto it = o.begin(); it != o.end(); ++it)
			if (it.key() != "type")
				*it = rng.bounded(4) == 0 ? replacements[rng.bounded(10)]
							  : confuse(*it, rng, depth + 1);
		return o;
	}
	if (v.isArray()) {
		QJsonArray a = v.toArray();
		for (int i = 0; i < a.size(); ++i)
			a[i] = rng.bounded(4) == 0 ? replacements[rng.bounded(10)]
						   : confuse(a[i], rng, depth + 1);
		return a;
	}
	return rng.bounded(3) == 0 ? replacements[rng.bounded(10)] : v;
}

void TestModelFuzz::wrongTypes()
{
	QRandomGenerator rng(7);
	for (int round = 0; round < 600; ++round) {
		QJsonDocument d =
			QJsonDocument::fromJson(rec_.lines()[rng.bounded(rec_.size())].text);
		QVERIFY(d.isObject());
		QJsonValue c = confuse(d.object(), rng);
		model_.ingestLine(QJsonDocument(c.toObject()).toJson(QJsonDocument::Compact));
	}
}

void TestModelFuzz::hostileShapes()
{
	QByteArray deep;
	for (int i = 0; i < 100000; ++i)
		deep += '[';
	QList<QByteArray> lines = {
		"",
		"null",
		"[]",
		"42",
		"\"str\"",
		"{",
		"}",
		"{}",
		"{\"type\":42}",
		"{\"type\":\"stats\"}",
		"{\"type\":\"graph\"}",
		"{\"type\":\"event\"}",
		"{\"type\":\"stats\",\"links\":[1,2,3],\"elements\":[null,{}],\"t\":\"soon\"}",
		"{\"type\":\"stats\",\"links\":[{\"id\":\"a\",\"fps\":1e400,\"buffers\":-5}],"
		"\"elements\":[],\"t\":-1e300}",
		"{\"type\":\"graph\",\"elements\":[{\"id\":\"a\"},{\"id\":\"a\"}],\"links\":[{"
		"\"id\":\"l\",\"src\":\"a\",\"sink\":\"nope\"}]}",
		"{\"type\":\"graph\",\"elements\":[{\"id\":\"a\",\"pads\":\"no\"}],\"links\":[{"
		"\"id\":\"l\",\"src\":\"a\",\"sink\":\"a\"}]}",
		"{\"type\":\"hello\",\"protocol\":\"dmabufkit-tracer\",\"v\":99999999999}",
		"{\"type\":\"event\",\"what\":\"state-changed\",\"element\":[],\"from\":{},\"to\":"
		"1}",
		deep,
		QByteArray(1 << 20, '\0'),
		QByteArray(SessionModel::kMaxLineBytes + 1, ' '),
		"\xff\xfe\xfd{\"type\":\"hello\"}",
	};
	QJsonArray many;
	for (int i = 0; i < 20000; ++i)
		many.append(QJsonObject{ { "id", QString("e%1").arg(i) } });
	lines.append(QJsonDocument(QJsonObject{ { "type", "graph" },
						{ "elements", many },
						{ "links", QJsonArray{} } })
			     .toJson(QJsonDocument::Compact));
	for (const QByteArray &l : lines)
		model_.ingestLine(l);
	/* Bounded: no more elements than the model keeps. */
	QVERIFY(model_.elements().size() <= SessionModel::kMaxElements);
	QVERIFY(model_.events().size() <= SessionModel::kMaxEvents);
}

void TestModelFuzz::journeyAbuse()
{
	/* Hostile journeys lines: wrong types, absurd numbers, floods. */
	const QList<QByteArray> lines = {
		R"({"type":"journeys","hops":{}})",
		R"({"type":"journeys","hops":[1,"x",null,[],{"frame":"1"}]})",
		R"({"type":"journeys","hops":[{"frame":-5,"link":"a","t_us":1},{"frame":1e300,"link":"a","t_us":-1},{"frame":1,"link":"","t_us":1}]})",
		R"({"type":"journeys","every":"x","lost":-3,"hops":[{"frame":3,"link":"a:src","t_us":1e308,"inode":-1}]})",
	};
	for (const QByteArray &l : lines)
		model_.ingestLine(l);
	QJsonArray many;
	for (int i = 0; i < 5000; ++i)
		many.append(QJsonObject{ { "frame", i % 700 + 1 },
					 { "link", QString("l%1").arg(i % 7) },
					 { "t_us", i },
					 { "what", i % 2 ? "done" : "push" } });
	for (int k = 0; k < 3; ++k)
		QVERIFY(model_.ingestLine(
			QJsonDocument(QJsonObject{ { "type", "journeys" }, { "hops", many } })
				.toJson(QJsonDocument::Compact)));
	/* Bounded: frames and hops per frame. */
	QVERIFY(model_.journeys().journeys().size() <= JourneyStore::kMaxFrames);
	for (const Journey &j : model_.journeys().journeys()) {
		QVERIFY(j.hops.size() <= 256);
		JourneyStore::slices(j, model_.links()); /* no crash on unknown links */
	}
	const QJsonObject trace = model_.journeys().chromeTrace(model_.links(), "fuzz");
	QVERIFY(trace.value("traceEvents").isArray());
}

void TestModelFuzz::feedValidSession(SessionModel &m)
{
	for (const auto &l : rec_.lines())
		QVERIFY(m.ingestLine(l.text));
}

void TestModelFuzz::stillCorrectAfterwards()
{
	/* The abused model, fed the real session again, agrees with a fresh one. */
	feedValidSession(model_);
	SessionModel fresh;
	feedValidSession(fresh);
	QCOMPARE(model_.links().size(), fresh.links().size());
	for (const LinkInfo &l : fresh.links()) {
		QCOMPARE(model_.linkStats(l.id).buffers, fresh.linkStats(l.id).buffers);
		QCOMPARE(model_.linkStats(l.id).kind, fresh.linkStats(l.id).kind);
	}
	QCOMPARE(fresh.linkStats("pipeline0/dmabufupload0:src").kind, LinkKind::DmaBuf);
	/* And a valid preview still shows what it shows in a fresh model. */
	QVERIFY(model_.ingestLine(previewLine_));
	SessionModel freshPreview;
	QVERIFY(freshPreview.ingestLine(previewLine_));
	QCOMPARE(model_.preview().rgb, freshPreview.preview().rgb);
	QCOMPARE(model_.preview().link, freshPreview.preview().link);
}

QTEST_GUILESS_MAIN(TestModelFuzz)
#include "test_model_fuzz.moc"

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The JSON consumer under malformed and hostile input: truncated lines, bit
 * flips, wrong types, absurd numbers, deep nesting, binary noise. Nothing may
 * crash, and a valid session read afterwards must still come out right.
 */
#include <QJsonArray>
#include <QJsonDocument>
#include <QRandomGenerator>
#include <QTest>

#include "session-model.h"
#include "session-recording.h"

using namespace dbkviewer;

class TestModelFuzz : public QObject
{
	Q_OBJECT
private slots:
	void initTestCase();
	void truncatedLines();
	void bitFlips();
	void wrongTypes();
	void hostileShapes();
	void stillCorrectAfterwards();

private:
	void feedValidSession(SessionModel &m);
	SessionRecording rec_;
	SessionModel model_; /* the same model takes every abuse */
};

void TestModelFuzz::initTestCase()
{
	QString err;
	QVERIFY2(rec_.load(QStringLiteral(DBK_TEST_DATA "/tracer-session-upload.jsonl"), &err),
		 qPrintable(err));
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
static QJsonValue confuse(const QJsonValue &v, QRandomGenerator &rng, int depth = 0)
{
	static const QJsonValue replacements[] = {
		QJsonValue(), QJsonValue(true), QJsonValue(-1), QJsonValue(1e308), QJsonValue(-1e308),
		QJsonValue("x"), QJsonValue(QJsonArray{ 1, "a", QJsonValue() }), QJsonValue(QJsonObject{}),
		QJsonValue(QString(5000, QChar('z'))), QJsonValue(18446744073709551615.0),
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
			a[i] = rng.bounded(4) == 0 ? replacements[rng.bounded(10)] : confuse(a[i], rng, depth + 1);
		return a;
	}
	return rng.bounded(3) == 0 ? replacements[rng.bounded(10)] : v;
}

void TestModelFuzz::wrongTypes()
{
	QRandomGenerator rng(7);
	for (int round = 0; round < 600; ++round) {
		QJsonDocument d = QJsonDocument::fromJson(rec_.lines()[rng.bounded(rec_.size())].text);
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
		"", "null", "[]", "42", "\"str\"", "{", "}", "{}", "{\"type\":42}",
		"{\"type\":\"stats\"}", "{\"type\":\"graph\"}", "{\"type\":\"event\"}",
		"{\"type\":\"stats\",\"links\":[1,2,3],\"elements\":[null,{}],\"t\":\"soon\"}",
		"{\"type\":\"stats\",\"links\":[{\"id\":\"a\",\"fps\":1e400,\"buffers\":-5}],\"elements\":[],\"t\":-1e300}",
		"{\"type\":\"graph\",\"elements\":[{\"id\":\"a\"},{\"id\":\"a\"}],\"links\":[{\"id\":\"l\",\"src\":\"a\",\"sink\":\"nope\"}]}",
		"{\"type\":\"graph\",\"elements\":[{\"id\":\"a\",\"pads\":\"no\"}],\"links\":[{\"id\":\"l\",\"src\":\"a\",\"sink\":\"a\"}]}",
		"{\"type\":\"hello\",\"protocol\":\"dmabufkit-tracer\",\"v\":99999999999}",
		"{\"type\":\"event\",\"what\":\"state-changed\",\"element\":[],\"from\":{},\"to\":1}",
		deep,
		QByteArray(1 << 20, '\0'),
		QByteArray(SessionModel::kMaxLineBytes + 1, ' '),
		"\xff\xfe\xfd{\"type\":\"hello\"}",
	};
	QJsonArray many;
	for (int i = 0; i < 20000; ++i)
		many.append(QJsonObject{ { "id", QString("e%1").arg(i) } });
	lines.append(QJsonDocument(QJsonObject{ { "type", "graph" }, { "elements", many }, { "links", QJsonArray{} } })
			     .toJson(QJsonDocument::Compact));
	for (const QByteArray &l : lines)
		model_.ingestLine(l);
	/* Bounded: no more elements than the model keeps. */
	QVERIFY(model_.elements().size() <= SessionModel::kMaxElements);
	QVERIFY(model_.events().size() <= SessionModel::kMaxEvents);
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
}

QTEST_GUILESS_MAIN(TestModelFuzz)
#include "test_model_fuzz.moc"

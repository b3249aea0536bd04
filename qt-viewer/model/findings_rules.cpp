/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "findings_rules.h"

#include <QRegularExpression>
#include <QSet>

#include <algorithm>

#include "session_model.h"

namespace dbkviewer::findings {

void errorFindings(const SessionModel &m, QList<Finding> &out)
{
	QSet<QString> seen;
	for (const SessionEvent &e : m.events()) {
		if (e.what != QLatin1String("error") || seen.contains(e.element + e.text))
			continue;
		seen.insert(e.element + e.text);
		Finding f;
		f.severity = Finding::Severity::Error;
		f.kind = QStringLiteral("error");
		f.element = e.element;
		const QString name = shortName(m, e.element);
		f.title = QStringLiteral("%1 failed the pipeline").arg(name);
		f.cause = e.text;
		if (e.text.contains(QLatin1String("no exporter meets")))
			f.fix = QStringLiteral(
				"the message names each consumer's need and why each "
				"exporter failed it; docs/allocator.md, \"Discovery, "
				"negotiation, choice\"");
		else if (e.text.contains(QLatin1String("Zero-copy contract")))
			f.fix = QStringLiteral(
				"forbid-copies stopped the pipeline at its first copy: "
				"remove that copy (see the copy finding)");
		else
			f.fix = QStringLiteral("see the message; more with GST_DEBUG=%1:5")
					.arg(name);
		f.count = 1;
		out.append(f);
	}
}

namespace {

struct Decision {
	QString owner; /* element id */
	QString text;
};

QList<Decision> decisions(const SessionModel &m)
{
	QList<Decision> out;
	QSet<QString> seen;
	auto add = [&](const QString &owner, const QString &text) {
		if (!text.isEmpty() && !seen.contains(text)) {
			seen.insert(text);
			out.append({ owner, text });
		}
	};
	for (const ElementInfo *e : m.leafElements()) {
		add(e->id, e->properties.value(QStringLiteral("allocation-decision")).toString());
		add(e->id, m.elementStats(e->id).allocationDecision());
	}
	for (const LinkInfo &l : m.links())
		add(l.src, m.linkStats(l.id)
				   .pool.value(QStringLiteral("dmabufkit"))
				   .toMap()
				   .value(QStringLiteral("decision"))
				   .toString());
	/* The same decision cut short (an older tracer cut strings at 256
	   characters, ending in "…") says less: keep the longest. */
	std::sort(out.begin(), out.end(), [](const Decision &a, const Decision &b) {
		return a.text.size() > b.text.size();
	});
	QList<Decision> kept;
	for (const Decision &d : out) {
		QString stem = d.text;
		if (stem.endsWith(QChar(0x2026)))
			stem.chop(1);
		bool shorter = false;
		for (const Decision &k : kept)
			shorter |= k.text.startsWith(stem);
		if (!shorter)
			kept.append(d);
	}
	return kept;
}

} /* namespace */

/* "CHOSEN for CONSUMERS (constraints, refuses A B, ...); not A: refused by REASON; not C: ..." */
void importFindings(const SessionModel &m, QList<Finding> &out)
{
	static const QRegularExpression device(QStringLiteral("(/dev/[^ :,;]+(?: \\([^)]*\\))?)"));
	static const QRegularExpression refuses(QStringLiteral("refuses ([^,)]+)"));
	QSet<QString> seen;
	for (const Decision &d : decisions(m)) {
		const QStringList parts = d.text.split(QStringLiteral("; not "));
		const QString chosen = parts.first().section(QStringLiteral(" for "), 0, 0);
		QList<QPair<QString, QString>> refusals; /* exporter, reason */
		for (int i = 1; i < parts.size(); ++i) {
			const QString exporter = parts[i].section(QStringLiteral(": "), 0, 0);
			const QString why = parts[i].section(QStringLiteral(": "), 1);
			/* dmabufv4l2src appends its device's probe result ("; /dev/...: ..."). */
			if (why.startsWith(QLatin1String("refused by ")))
				refusals.append(
					{ exporter,
					  why.mid(11).section(QStringLiteral("; /dev/"), 0, 0) });
		}
		/* Refused exporters after the chosen one have no reason in the text. */
		const QRegularExpressionMatch r = refuses.match(parts.first());
		for (const QString &x : r.captured(1).split(' ', Qt::SkipEmptyParts)) {
			bool known = false;
			for (const auto &p : refusals)
				known |= p.first == x;
			if (!known)
				refusals.append({ x, QStringLiteral("its import probe failed (the "
								    "element's log says how)") });
		}
		/* A refusal without a reason: the device among the consumers, if one. */
		QStringList consumerDevices;
		for (auto it = device.globalMatch(parts.first()); it.hasNext();)
			consumerDevices << it.next().captured(1);
		consumerDevices.removeDuplicates();
		const QString name = shortName(m, d.owner);
		for (const auto &[exporter, reason] : refusals) {
			QString dev = device.match(reason).captured(1);
			if (dev.isEmpty() && consumerDevices.size() == 1)
				dev = consumerDevices.first();
			const QString who =
				dev.isEmpty() ? QStringLiteral("a consumer of %1").arg(name) : dev;
			if (seen.contains(who + exporter))
				continue;
			seen.insert(who + exporter);
			Finding f;
			f.severity = Finding::Severity::Warning;
			f.kind = QStringLiteral("import-refused");
			f.element = d.owner;
			if (const LinkInfo *l = outputLink(m, d.owner))
				f.link = l->id;
			f.title = QStringLiteral("%1 refuses %2 dma-bufs").arg(who, exporter);
			f.cause = reason;
			f.fix = QStringLiteral(
					"%1's pool allocates from %2 instead, which its consumers "
					"import; any other producer feeding %3 must use %2 too "
					"(stock producers would hand it %4 buffers and fail)")
					.arg(name, chosen, who, exporter);
			f.count = 1;
			out.append(f);
		}
	}
}

/* Elements downstream of @from, nearest first (bounded). */
QStringList downstream(const SessionModel &m, const QString &from)
{
	QStringList order{ from };
	for (int i = 0; i < order.size() && order.size() < 64; ++i)
		for (const LinkInfo &l : m.links())
			if (l.src == order[i] && !order.contains(l.sink))
				order.append(l.sink);
	order.removeFirst();
	return order;
}

namespace {

QString holder(const SessionModel &m, const QString &id)
{
	const ElementInfo *e = m.element(id);
	if (!e)
		return {};
	const QString name = shortName(m, id);
	const QVariantMap &p = e->properties;
	if (p.contains(QStringLiteral("current-level-buffers")) &&
	    p.value(QStringLiteral("current-level-buffers")).toDouble() > 0)
		return QStringLiteral("%1 (queue holding %2)")
			.arg(name)
			.arg(p.value(QStringLiteral("current-level-buffers")).toInt());
	if (e->klass.contains(QLatin1String("Sink"))) {
		QStringList how;
		if (p.value(QStringLiteral("sync")).toBool())
			how << QStringLiteral("sync=true: holds each frame until its time");
		if (p.value(QStringLiteral("enable-last-sample")).toBool())
			how << QStringLiteral("enable-last-sample keeps one");
		return how.isEmpty() ? name
				     : QStringLiteral("%1 (%2)").arg(
					       name, how.join(QStringLiteral(", ")));
	}
	const double lat = m.elementStats(id).latencyAvgUs;
	if (lat >= 1000)
		return QStringLiteral("%1 (holds each frame %2 ms)")
			.arg(name)
			.arg(lat / 1000, 0, 'f', 1);
	return {};
}

} /* namespace */

/* Pools whose producer waited: an element's own pool statistics, or the
   dmabufkit pool a consumer proposed on a link (its producer waits). */
void poolFindings(const SessionModel &m, QList<Finding> &out)
{
	QList<QPair<QString, QVariantMap>> pools; /* producer, pool statistics */
	for (const ElementInfo *e : m.leafElements()) {
		const ElementStats s = m.elementStats(e->id);
		for (auto it = s.stats.constBegin(); it != s.stats.constEnd(); ++it)
			pools.append({ e->id, it.value().toMap() });
	}
	for (const LinkInfo &l : m.links())
		pools.append({ l.src,
			       m.linkStats(l.id).pool.value(QStringLiteral("dmabufkit")).toMap() });
	QSet<QString> seen;
	for (const auto &[producer, st] : pools) {
		const double waits = st.value(QStringLiteral("waits")).toDouble();
		if (waits <= 0 || seen.contains(producer))
			continue;
		seen.insert(producer);
		const ElementInfo *e = m.element(producer);
		if (!e)
			continue;
		const QString name = shortName(m, e->id);
		QStringList held;
		for (const QString &d : downstream(m, e->id))
			if (const QString h = holder(m, d); !h.isEmpty())
				held << h;
		Finding f;
		f.severity = Finding::Severity::Warning;
		f.kind = QStringLiteral("pool-starved");
		f.element = e->id;
		if (const LinkInfo *l = outputLink(m, e->id))
			f.link = l->id;
		f.count = waits;
		f.title = QStringLiteral("%1's pool ran dry").arg(name);
		f.cause = QStringLiteral("%1 times every one of its %2 buffers was in flight and "
					 "%3 waited; held by: %4")
				  .arg(waits)
				  .arg(st.value(QStringLiteral("allocated")).toDouble())
				  .arg(name, held.isEmpty() ? QStringLiteral("(nothing measured)")
							    : held.join(QStringLiteral(", ")));
		f.fix = QStringLiteral("let the consumers release sooner (a sink: sync=false or "
				       "enable-last-sample=false; a queue: smaller "
				       "max-size-buffers) or ask for more buffers (the "
				       "consumer's ALLOCATION answer sets the pool's minimum)");
		out.append(f);
	}
}

} /* namespace dbkviewer::findings */

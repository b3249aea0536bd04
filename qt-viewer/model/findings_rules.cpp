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

namespace {

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

void lateFindings(const SessionModel &m, QList<Finding> &out)
{
	for (const ElementInfo *e : m.leafElements()) {
		const ElementStats s = m.elementStats(e->id);
		const QString name = shortName(m, e->id);
		/* The slowest element upstream: where the time goes. */
		QString slowest;
		double slowUs = 0;
		for (const ElementInfo *o : m.leafElements())
			if (downstream(m, o->id).contains(e->id) &&
			    m.elementStats(o->id).latencyAvgUs > slowUs) {
				slowUs = m.elementStats(o->id).latencyAvgUs;
				slowest = shortName(m, o->id);
			}
		const QString where =
			slowest.isEmpty() ? QString()
					  : QStringLiteral("; the slowest element upstream is %1 "
							   "(%2 ms a frame)")
						    .arg(slowest)
						    .arg(slowUs / 1000, 0, 'f', 1);
		if (s.qos > 0) {
			Finding f;
			f.kind = QStringLiteral("late-frames");
			f.element = e->id;
			f.count = double(s.qos);
			f.title =
				QStringLiteral("%1 saw %2 late frames (QoS)").arg(name).arg(s.qos);
			f.cause = QStringLiteral("frames reached %1 after their running time%2")
					  .arg(name, where);
			f.fix = QStringLiteral(
				"make the slow element faster (or zero-copy), or let the "
				"sink run with sync=false when every frame matters more "
				"than timing");
			out.append(f);
		}
		for (auto it = s.stats.constBegin(); it != s.stats.constEnd(); ++it) {
			const QVariantMap st = it.value().toMap();
			const double dropped = st.value(QStringLiteral("dropped")).toDouble();
			if (dropped <= 0 || st.contains(QStringLiteral("waits")))
				continue;
			Finding f;
			f.kind = QStringLiteral("dropped-frames");
			f.element = e->id;
			f.count = dropped;
			f.title = QStringLiteral("%1 dropped %2 frames").arg(name).arg(dropped);
			f.cause = QStringLiteral("%1 dropped %2 and rendered %3 frames (%4)%5")
					  .arg(name)
					  .arg(dropped)
					  .arg(st.value(QStringLiteral("rendered")).toDouble())
					  .arg(it.key(), where);
			f.fix = QStringLiteral(
				"frames arrive too late to show: make the pipeline "
				"upstream faster, or sync=false / a larger max-lateness");
			out.append(f);
		}
	}
}

void kindChangeFindings(const SessionModel &m, QList<Finding> &out)
{
	for (const LinkInfo &l : m.links()) {
		const LinkStats s = m.linkStats(l.id);
		QStringList kinds;
		double total = 0;
		for (auto it = s.kinds.constBegin(); it != s.kinds.constEnd(); ++it) {
			const double n = it.value().toDouble();
			if (n > 0 && linkKindFromName(it.key()) != LinkKind::Unknown) {
				kinds << QStringLiteral("%1 %2").arg(it.key()).arg(n);
				total += n;
			}
		}
		if (kinds.size() < 2)
			continue;
		Finding f;
		f.kind = QStringLiteral("kind-changed");
		f.element = l.src;
		f.link = l.id;
		f.count = total;
		f.title = QStringLiteral("%1 changed memory kind mid-stream")
				  .arg(l.id.section('/', -1));
		f.cause = QStringLiteral("buffers by kind: %1 (now %2)")
				  .arg(kinds.join(QStringLiteral(", ")), linkKindName(s.kind));
		f.fix = QStringLiteral("%1 fell back to other memory (its pool ran dry, an import "
				       "failed, or the caps were renegotiated): see the events and "
				       "the pool of this link")
				.arg(shortName(m, l.src));
		out.append(f);
	}
}

} /* namespace dbkviewer::findings */

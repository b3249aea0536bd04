/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The rules about how frames flow: late and dropped frames, memory kinds changing. */
#include "findings_rules.h"

#include "session_model.h"

namespace dbkviewer::findings {

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

/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "inspector.h"

#include <QHeaderView>
#include <QScrollBar>

#include "session_model.h"

namespace dbkviewer {

Inspector::Inspector(SessionModel *model, QWidget *parent) : QTreeWidget(parent), model_(model)
{
	setColumnCount(2);
	setHeaderLabels({ tr("Property"), tr("Value") });
	header()->setSectionResizeMode(0, QHeaderView::ResizeToContents);
	setWordWrap(true);
	connect(model_, &SessionModel::statsUpdated, this, &Inspector::refresh);
	connect(model_, &SessionModel::graphChanged, this, &Inspector::refresh);
}

QTreeWidgetItem *Inspector::section(const QString &title)
{
	auto *item = new QTreeWidgetItem(this, { title });
	QFont f = item->font(0);
	f.setBold(true);
	item->setFont(0, f);
	item->setExpanded(true);
	return item;
}

static QString valueText(const QVariant &v)
{
	if (v.typeId() == QMetaType::Double) {
		double d = v.toDouble();
		return d == qint64(d) ? QString::number(qint64(d)) : QString::number(d, 'g', 6);
	}
	if (v.typeId() == QMetaType::QVariantList) {
		QStringList parts;
		for (const QVariant &x : v.toList())
			parts << valueText(x);
		return parts.join(QStringLiteral(", "));
	}
	return v.toString();
}

void Inspector::addMap(QTreeWidgetItem *parent, const QVariantMap &map)
{
	for (auto it = map.constBegin(); it != map.constEnd(); ++it) {
		if (it.value().typeId() == QMetaType::QVariantMap) {
			auto *sub = new QTreeWidgetItem(parent, { it.key() });
			addMap(sub, it.value().toMap());
			sub->setExpanded(true);
		} else {
			new QTreeWidgetItem(parent, { it.key(), valueText(it.value()) });
		}
	}
}

void Inspector::showElement(const QString &id)
{
	element_ = id;
	link_.clear();
	refresh();
}

void Inspector::showLink(const QString &id)
{
	link_ = id;
	element_.clear();
	refresh();
}

void Inspector::refresh()
{
	/* Keep the scroll position while numbers update. */
	int scroll = verticalScrollBar() ? verticalScrollBar()->value() : 0;
	clear();
	if (const ElementInfo *e = element_.isEmpty() ? nullptr : model_->element(element_)) {
		auto *g = section(e->name);
		new QTreeWidgetItem(g, { tr("id"), e->id });
		new QTreeWidgetItem(g, { tr("factory"), e->factory });
		new QTreeWidgetItem(g, { tr("class"), e->klass });
		new QTreeWidgetItem(
			g, { tr("state"), e->state + (e->pending != QLatin1String("VOID_PENDING")
							      ? " → " + e->pending
							      : QString()) });
		ElementStats s = model_->elementStats(e->id);
		auto *st = section(tr("Flow"));
		new QTreeWidgetItem(st, { tr("buffers in"), QString::number(s.buffersIn) });
		new QTreeWidgetItem(st, { tr("latency (avg)"),
					  QStringLiteral("%1 µs").arg(s.latencyAvgUs, 0, 'f', 1) });
		new QTreeWidgetItem(st, { tr("latency (last interval)"),
					  QStringLiteral("%1 µs, max %2 µs")
						  .arg(s.latencyIntervalUs, 0, 'f', 1)
						  .arg(s.latencyMaxUs, 0, 'f', 1) });
		new QTreeWidgetItem(st, { tr("copies"), QStringLiteral("%1 (%2/s) %3")
								.arg(s.copies)
								.arg(s.copyRate, 0, 'f', 1)
								.arg(s.copyReason) });
		if (s.performance)
			new QTreeWidgetItem(
				st, { tr("GST_PERFORMANCE"), QStringLiteral("%1: %2")
								     .arg(s.performance)
								     .arg(s.lastPerformance) });
		new QTreeWidgetItem(st, { tr("QoS messages"), QString::number(s.qos) });
		if (const QString d = s.allocationDecision(); !d.isEmpty()) {
			auto *a = new QTreeWidgetItem(section(tr("Allocation")),
						      { tr("decision"), d });
			a->setToolTip(1, d);
		}
		if (!s.counters.isEmpty())
			addMap(section(tr("Counters")), s.counters);
		if (!s.stats.isEmpty())
			addMap(section(tr("Statistics")), s.stats);
		auto *pads = section(tr("Pads"));
		for (const PadInfo &p : e->pads) {
			auto *pi = new QTreeWidgetItem(
				pads,
				{ p.name,
				  p.direction + (p.peer.isEmpty() ? QString() : " → " + p.peer) });
			if (!p.caps.isEmpty())
				new QTreeWidgetItem(pi, { tr("caps"), p.caps });
			pi->setExpanded(true);
		}
		auto *props = section(tr("Properties"));
		addMap(props, e->properties);
		props->setExpanded(false);
	} else if (const LinkInfo *l = link_.isEmpty() ? nullptr : model_->link(link_)) {
		auto *g = section(tr("Link"));
		new QTreeWidgetItem(g, { tr("from"), l->src + ":" + l->srcPad });
		new QTreeWidgetItem(g, { tr("to"), l->sink + ":" + l->sinkPad });
		new QTreeWidgetItem(g, { tr("caps"), l->caps });
		LinkStats s = model_->linkStats(l->id);
		auto *m = section(tr("Memory"));
		new QTreeWidgetItem(m, { tr("kind"), linkKindName(s.kind) +
							     (s.copied ? tr(" — produced by a copy")
								       : QString()) });
		addMap(new QTreeWidgetItem(m, { tr("buffers by kind") }), s.kinds);
		new QTreeWidgetItem(m, { tr("distinct dma-bufs"), QString::number(s.inodes) });
		if (!s.exporter.isEmpty())
			new QTreeWidgetItem(m, { tr("exporter"), s.exporter });
		/* Why this exporter: for which consumers, which constraint, and
		 * why each cheaper exporter was passed over. */
		const QString decision = s.pool.value(QStringLiteral("dmabufkit"))
						 .toMap()
						 .value(QStringLiteral("decision"))
						 .toString();
		if (!decision.isEmpty()) {
			auto *d = new QTreeWidgetItem(m, { tr("allocation decision"), decision });
			d->setToolTip(1, decision);
		}
		if (!s.names.isEmpty())
			new QTreeWidgetItem(
				m, { tr("dma-buf names"), s.names.join(QStringLiteral(", ")) });
		auto *r = section(tr("Rates"));
		new QTreeWidgetItem(r, { tr("buffers"), QString::number(s.buffers) });
		new QTreeWidgetItem(r, { tr("bytes"), QString::number(s.bytes) });
		new QTreeWidgetItem(r, { tr("buffers/s"), QString::number(s.fps, 'f', 1) });
		new QTreeWidgetItem(r, { tr("bytes/s"), QString::number(s.bps, 'f', 0) });
		if (!s.allocation.isEmpty())
			addMap(section(tr("Allocation query")), s.allocation);
		if (!s.pool.isEmpty())
			addMap(section(tr("Pool")), s.pool);
	} else {
		auto *g = section(tr("Session"));
		new QTreeWidgetItem(g, { tr("program"), model_->program() });
		new QTreeWidgetItem(g, { tr("pid"), QString::number(model_->pid()) });
		new QTreeWidgetItem(g, { tr("GStreamer"), model_->gstreamerVersion() });
		new QTreeWidgetItem(g,
				    { tr("protocol"), QString::number(model_->protocolVersion()) });
		new QTreeWidgetItem(g, { tr("process CPU"),
					 QStringLiteral("%1 % of a core")
						 .arg(model_->processCpuLoad() * 100, 0, 'f', 1) });
		new QTreeWidgetItem(
			g, { tr("malformed lines"), QString::number(model_->malformedLines()) });
		auto *th = section(tr("Threads"));
		for (const ThreadCpu &t : model_->threads())
			new QTreeWidgetItem(th, { t.name, QStringLiteral("%1 %").arg(t.load * 100,
										     0, 'f', 1) });
	}
	if (verticalScrollBar())
		verticalScrollBar()->setValue(scroll);
}

} /* namespace dbkviewer */

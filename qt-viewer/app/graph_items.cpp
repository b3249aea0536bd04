/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "graph_items.h"

#include <QFontMetricsF>
#include <QGraphicsEllipseItem>
#include <QGraphicsRectItem>
#include <QGraphicsScene>
#include <QGraphicsSimpleTextItem>
#include <QPen>

#include "session_model.h"

namespace dbkviewer {

namespace {

struct Pads {
	QStringList sinks, srcs;
};

Pads padsOf(const ElementInfo &e)
{
	Pads p;
	for (const PadInfo &pad : e.pads)
		(pad.direction == QLatin1String("sink") ? p.sinks : p.srcs) << pad.name;
	return p;
}

QGraphicsSimpleTextItem *text(NodeItems &n, const QString &s, const QFont &f, QColor c)
{
	auto *t = new QGraphicsSimpleTextItem(s, n.box);
	t->setFont(f);
	t->setBrush(c);
	n.texts.append(t);
	return t;
}

} /* namespace */

GraphItems::GraphItems(const QFont &font) : font_(font), bold_(font)
{
	bold_.setBold(true);
	padRow_ = QFontMetricsF(font_).height() + 4;
	line_ = QFontMetricsF(bold_).height() + 2;
}

QSizeF GraphItems::nodeSize(const ElementInfo &e, LayoutDirection d) const
{
	QFontMetricsF fm(font_), fmb(bold_);
	const Pads p = padsOf(e);
	/* Name, factory and state ("PAUSED", "PLAYING") side by side with the pads. */
	const double textW =
		qMax(qMax(fmb.horizontalAdvance(e.name), fm.horizontalAdvance(e.factory)),
		     fm.horizontalAdvance(QStringLiteral("PLAYING")));
	const double textH = 3 * line_ + 10;
	if (d == LayoutDirection::LeftToRight) {
		double padW = 0;
		for (const PadInfo &pad : e.pads)
			padW = qMax(padW, fm.horizontalAdvance(pad.name));
		const double rows = qMax<double>(qMax(p.sinks.size(), p.srcs.size()), 1);
		return { textW + 2 * (padW + 16) + 12, qMax(textH, rows * padRow_ + 16) };
	}
	auto rowW = [&](const QStringList &names) {
		double w = 0;
		for (const QString &n : names)
			w += fm.horizontalAdvance(n) + 16;
		return w;
	};
	const double w = qMax(textW + 24, qMax(rowW(p.sinks), rowW(p.srcs)) + 8);
	return { w, textH + 2 * padRow_ };
}

QSizeF GraphItems::labelSize(LayoutDirection d) const
{
	QFontMetricsF fm(font_);
	const double w = fm.horizontalAdvance(QStringLiteral("memfd · copy · 999 fps")) + 8;
	if (d == LayoutDirection::LeftToRight)
		return { w, 2 * fm.height() + 6 };
	return { 2 * w + 12, fm.height() + 8 };
}

NodeItems GraphItems::addNode(QGraphicsScene *scene, const ElementInfo &e, const QRectF &r,
			      LayoutDirection d) const
{
	QFontMetricsF fm(font_), fmb(bold_);
	NodeItems n;
	n.box = scene->addRect(r, QPen(QColor(0x44, 0x44, 0x44), 1.2), QColor(0xff, 0xff, 0xff));
	n.box->setData(kRoleId, e.id);
	n.box->setData(kRoleKind, QStringLiteral("element"));
	n.box->setZValue(1);
	n.box->setToolTip(e.id + "\n" + e.factory + "\n" + e.klass);
	const bool lr = d == LayoutDirection::LeftToRight;
	double y = r.top() + 5 + (lr ? 0 : padRow_);
	n.name = text(n, e.name, bold_, QColor(0x11, 0x11, 0x11));
	n.name->setPos(r.center().x() - fmb.horizontalAdvance(e.name) / 2, y);
	auto *factory = text(n, e.factory, font_, QColor(0x55, 0x55, 0x55));
	factory->setPos(r.center().x() - fm.horizontalAdvance(e.factory) / 2, y + line_);
	n.state = text(n, QString(), font_, QColor(0x77, 0x77, 0x77));
	n.state->setPos(r.center().x() - fm.horizontalAdvance(QStringLiteral("PLAYING")) / 2,
			y + 2 * line_);
	const Pads p = padsOf(e);
	auto addPads = [&](const QStringList &pads, bool sink) {
		for (int k = 0; k < pads.size(); ++k) {
			const double tw = fm.horizontalAdvance(pads[k]);
			QRectF mark;
			QPointF at, anchor;
			if (lr) {
				const double y0 =
					r.center().y() - pads.size() * padRow_ / 2 + k * padRow_;
				mark = QRectF(sink ? r.left() : r.right() - 10, y0 + 4, 10,
					      padRow_ - 8);
				at = QPointF(sink ? r.left() + 13 : r.right() - 13 - tw,
					     y0 + (padRow_ - fm.height()) / 2);
				anchor = QPointF(sink ? r.left() : r.right(), y0 + padRow_ / 2);
			} else {
				const double x = r.left() + (k + 0.5) * r.width() / pads.size();
				mark = QRectF(x - 6, sink ? r.top() : r.bottom() - 5, 12, 5);
				at = QPointF(x - tw / 2, sink ? r.top() + 4 : r.bottom() - padRow_);
				anchor = QPointF(x, sink ? r.top() : r.bottom());
			}
			auto *pr = new QGraphicsRectItem(mark, n.box);
			pr->setBrush(sink ? QColor(0xdd, 0xe6, 0xf5) : QColor(0xf5, 0xe6, 0xdd));
			pr->setPen(QPen(QColor(0x66, 0x66, 0x66), 0.8));
			text(n, pads[k], font_, QColor(0x33, 0x33, 0x33))->setPos(at);
			n.padAnchors.insert(pads[k], anchor);
		}
	};
	addPads(p.sinks, true);
	addPads(p.srcs, false);
	n.copyMark = scene->addEllipse(QRectF(r.right() - 9, r.top() - 9, 18, 18),
				       QPen(Qt::white, 1.5), QColor(0xd1, 0x3b, 0x2e));
	n.copyMark->setZValue(3);
	auto *c = new QGraphicsSimpleTextItem(QStringLiteral("C"), n.copyMark);
	c->setBrush(Qt::white);
	c->setFont(bold_);
	c->setPos(r.right() - fmb.horizontalAdvance("C") / 2, r.top() - fmb.height() / 2);
	n.copyMark->setVisible(false);
	return n;
}

void GraphItems::placeLabel(QGraphicsSimpleTextItem *label, const QRectF &r, LayoutDirection d)
{
	const QRectF br = label->boundingRect();
	if (d == LayoutDirection::LeftToRight) /* above the line through the middle */
		label->setPos(r.center().x() - br.width() / 2, r.center().y() - br.height() - 2);
	else /* right of it */
		label->setPos(r.center().x() + 6, r.center().y() - br.height() / 2);
}

} /* namespace dbkviewer */

/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "graph_view.h"

#include <QGraphicsEllipseItem>
#include <QGraphicsPathItem>
#include <QGraphicsRectItem>
#include <QGraphicsScene>
#include <QGraphicsSimpleTextItem>
#include <QMouseEvent>
#include <QPainter>
#include <QScrollBar>
#include <QStyle>
#include <QWheelEvent>

#include "session_model.h"

namespace dbkviewer {

static constexpr double kMargin = 30;	      /* scene margin around the graph */
static constexpr double kReadableScale = 1.0; /* text at the window's own size */

QColor GraphView::colourFor(const QString &kind, bool copied)
{
	if (copied)
		return QColor(0xd1, 0x3b, 0x2e); /* a copy made this link's memory */
	if (kind == QLatin1String("dmabuf"))
		return QColor(0x1e, 0x9e, 0x48);
	if (kind == QLatin1String("memfd") || kind == QLatin1String("fd"))
		return QColor(0x2a, 0x6f, 0xdb);
	if (kind == QLatin1String("system"))
		return QColor(0x80, 0x80, 0x80);
	return QColor(0xc0, 0xc0, 0xc0);
}

QString GraphView::linkLabel(const QString &kind, bool copied, bool hasStats, double fps)
{
	QString text = kind == QLatin1String("unknown") ? QStringLiteral("…") : kind;
	if (copied)
		text += QStringLiteral(" · copy");
	if (hasStats)
		text += QStringLiteral(" · %1 fps").arg(fps, 0, 'f', fps >= 10 || fps == 0 ? 0 : 1);
	return text;
}

GraphView::GraphView(SessionModel *model, QWidget *parent)
	: QGraphicsView(parent), model_(model), scene_(new QGraphicsScene(this))
{
	setScene(scene_);
	setRenderHint(QPainter::Antialiasing);
	setDragMode(QGraphicsView::ScrollHandDrag);
	setTransformationAnchor(QGraphicsView::AnchorUnderMouse);
	setBackgroundBrush(QColor(0xfa, 0xfa, 0xf7));
	relayoutTimer_.setSingleShot(true);
	relayoutTimer_.setInterval(150);
	connect(&relayoutTimer_, &QTimer::timeout, this, &GraphView::relayout);
	connect(model_, &SessionModel::graphChanged, this, &GraphView::rebuild);
	connect(model_, &SessionModel::statsUpdated, this, &GraphView::refresh);
}

QString GraphView::structureKey() const
{
	QStringList parts;
	for (const ElementInfo *e : model_->leafElements()) {
		QStringList pads;
		for (const PadInfo &p : e->pads)
			pads << p.name;
		parts << e->id + "[" + pads.join(',') + "]";
	}
	for (const LinkInfo &l : model_->links())
		parts << l.id + ">" + l.sink + ":" + l.sinkPad;
	return parts.join('|');
}

/* The room the graph gets at readable scale: the viewport less the margins. */
QSizeF GraphView::layoutSpace() const
{
	/* A vertical scroll bar may appear once the graph is laid out: keep its room. */
	const int bar =
		style()->pixelMetric(QStyle::PM_ScrollBarExtent, nullptr, this) + 2 * frameWidth();
	const QSize vp = viewport()->size();
	return QSizeF(qMax(600, vp.width() - bar) / kReadableScale - 2 * kMargin - 4,
		      qMax(300, vp.height() - bar) / kReadableScale - 2 * kMargin - 4);
}

void GraphView::rebuild()
{
	QString key = structureKey();
	if (key == key_) {
		refresh();
		return;
	}
	key_ = key;
	relayout();
}

void GraphView::relayout()
{
	scene_->clear();
	nodes_.clear();
	edges_.clear();
	GraphItems items(font());
	LayoutInput lr, tb;
	for (const ElementInfo *e : model_->leafElements()) {
		lr.nodes.append({ e->id, items.nodeSize(*e, LayoutDirection::LeftToRight) });
		tb.nodes.append({ e->id, items.nodeSize(*e, LayoutDirection::TopToBottom) });
	}
	for (const LinkInfo &l : model_->links()) {
		lr.edges.append(
			{ l.id, l.src, l.sink, items.labelSize(LayoutDirection::LeftToRight) });
		tb.edges.append(
			{ l.id, l.src, l.sink, items.labelSize(LayoutDirection::TopToBottom) });
	}
	const QSizeF space = layoutSpace();
	laidOutWidth_ = viewport()->width();
	LayoutResult res = chooseLayout(lr, tb, space);
	layoutError_ = res.ok ? QString() : res.error;
	direction_ = res.ok ? res.direction : LayoutDirection::LeftToRight;
	rows_ = res.ok ? res.rows : 1;
	int i = 0;
	for (const ElementInfo *e : model_->leafElements()) {
		QRectF r = res.ok ? res.nodes.value(e->id)
				  : QRectF(QPointF(i * 260.0, 0), lr.nodes[i].size);
		++i;
		nodes_.insert(e->id, items.addNode(scene_, *e, r, direction_));
	}
	for (const LinkInfo &l : model_->links()) {
		const NodeItems &a = nodes_[l.src];
		const NodeItems &b = nodes_[l.sink];
		QPointF p0 =
			a.padAnchors.value(l.srcPad, a.box ? a.box->rect().center() : QPointF());
		QPointF p1 =
			b.padAnchors.value(l.sinkPad, b.box ? b.box->rect().center() : QPointF());
		QPainterPath path(p0);
		QVector<QPointF> spline = res.edges.value(l.id);
		if (spline.size() >= 4 && (spline.size() - 1) % 3 == 0) {
			/* The layout's route, with its ends moved onto the pads. */
			spline.first() = p0;
			spline.last() = p1;
			for (int k = 1; k + 2 < spline.size(); k += 3)
				path.cubicTo(spline[k], spline[k + 1], spline[k + 2]);
		} else {
			double dx = qMax(40.0, (p1.x() - p0.x()) / 2);
			path.cubicTo(p0 + QPointF(dx, 0), p1 - QPointF(dx, 0), p1);
		}
		Edge e;
		e.path = scene_->addPath(path, QPen(colourFor({}, false), 3));
		e.path->setData(kRoleId, l.id);
		e.path->setData(kRoleKind, QStringLiteral("link"));
		e.path->setToolTip(l.id + " → " + l.sink + ":" + l.sinkPad + "\n" + l.caps);
		e.label = scene_->addSimpleText(QString(), font());
		e.label->setBrush(QColor(0x22, 0x22, 0x22));
		e.label->setData(kRoleId, l.id);
		e.label->setData(kRoleKind, QStringLiteral("link"));
		e.label->setZValue(2);
		const QPointF mid = path.pointAtPercent(0.5);
		e.labelBox = res.labels.value(l.id, QRectF(mid - QPointF(60, 20), QSizeF(120, 40)));
		edges_.insert(l.id, e);
	}
	scene_->setSceneRect(
		scene_->itemsBoundingRect().adjusted(-kMargin, -kMargin, kMargin, kMargin));
	refresh();
	if (!nodes_.isEmpty() && (!shown_ || !userZoomed_))
		showReadable();
}

void GraphView::refresh()
{
	for (auto it = nodes_.begin(); it != nodes_.end(); ++it) {
		const ElementInfo *e = model_->element(it.key());
		ElementStats s = model_->elementStats(it.key());
		it->state->setText(e ? e->state : QString());
		bool copies = s.copies > 0;
		it->copyMark->setVisible(copies);
		it->copyMark->setToolTip(
			copies ? QStringLiteral("%1 copies: %2").arg(s.copies).arg(s.copyReason)
			       : QString());
		const bool sel = it.key() == selectedElement_;
		it->box->setPen(QPen(sel ? QColor(0x1a, 0x5f, 0xd0) : QColor(0x44, 0x44, 0x44),
				     sel ? 3 : 1.2));
	}
	for (auto it = edges_.begin(); it != edges_.end(); ++it) {
		LinkStats s = model_->linkStats(it.key());
		QString kind = linkKindName(s.kind);
		/* Red where a copy broke zero-copy; a dma-buf made by an upload copy
		   stays green (its producer carries the copy mark). */
		const bool red = s.copied && s.kind != LinkKind::DmaBuf;
		QPen pen(colourFor(kind, red), it.key() == selectedLink_ ? 5 : 3);
		if (s.kind == LinkKind::Unknown)
			pen.setStyle(Qt::DashLine);
		it->path->setPen(pen);
		it->label->setText(linkLabel(kind, red, model_->hasLinkStats(it.key()), s.fps));
		it->label->setToolTip(QStringLiteral("%1\n%2 buffers/s, %3 bytes/s")
					      .arg(it.key())
					      .arg(s.fps, 0, 'f', 1)
					      .arg(s.bps, 0, 'f', 0));
		GraphItems::placeLabel(it->label, it->labelBox, direction_);
	}
}

void GraphView::fit()
{
	if (scene_->items().isEmpty())
		return;
	fitInView(scene_->sceneRect(), Qt::KeepAspectRatio);
	/* Never blow small graphs up beyond 1.5x. */
	if (transform().m11() > 1.5)
		setTransform(QTransform::fromScale(1.5, 1.5));
	userZoomed_ = true;
}

void GraphView::showReadable()
{
	if (scene_->items().isEmpty())
		return;
	const QRectF r = scene_->sceneRect();
	const QSize vp = viewport()->size();
	double s = qMin(vp.width() / r.width(), vp.height() / r.height());
	s = qBound(kReadableScale, s, 1.5);
	setTransform(QTransform::fromScale(s, s));
	/* Scroll to where the pipeline starts. */
	horizontalScrollBar()->setValue(horizontalScrollBar()->minimum());
	verticalScrollBar()->setValue(verticalScrollBar()->minimum());
	shown_ = true;
	userZoomed_ = false;
}

void GraphView::resizeEvent(QResizeEvent *event)
{
	QGraphicsView::resizeEvent(event);
	/* Until the user zooms, the layout follows the view's width. */
	if (!userZoomed_ && !nodes_.isEmpty() && qAbs(viewport()->width() - laidOutWidth_) > 40)
		relayoutTimer_.start();
}

void GraphView::zoomBy(double factor)
{
	double s = transform().m11() * factor;
	if (s < 0.05 || s > 20)
		return;
	scale(factor, factor);
	userZoomed_ = true;
}

void GraphView::selectElement(const QString &id)
{
	selectedElement_ = id;
	selectedLink_.clear();
	refresh();
	if (auto *box = nodes_.value(id).box)
		ensureVisible(box, 40, 40);
	emit elementSelected(id);
}

void GraphView::selectLink(const QString &id)
{
	selectedLink_ = id;
	selectedElement_.clear();
	refresh();
	if (auto *label = edges_.value(id).label)
		ensureVisible(label, 60, 60);
	emit linkSelected(id);
}

bool GraphView::search(const QString &text)
{
	if (text.isEmpty())
		return false;
	for (const ElementInfo *e : model_->leafElements()) {
		if (e->id.contains(text, Qt::CaseInsensitive) ||
		    e->factory.contains(text, Qt::CaseInsensitive)) {
			selectElement(e->id);
			if (auto *box = nodes_.value(e->id).box)
				centerOn(box);
			return true;
		}
	}
	return false;
}

void GraphView::wheelEvent(QWheelEvent *event)
{
	zoomBy(event->angleDelta().y() > 0 ? 1.15 : 1 / 1.15);
	event->accept();
}

void GraphView::mousePressEvent(QMouseEvent *event)
{
	for (QGraphicsItem *item : items(event->pos())) {
		QGraphicsItem *top = item;
		while (top->parentItem())
			top = top->parentItem();
		QString kind = top->data(kRoleKind).toString();
		QString id = top->data(kRoleId).toString();
		if (kind == QLatin1String("element")) {
			selectElement(id);
			break;
		}
		if (kind == QLatin1String("link")) {
			selectLink(id);
			break;
		}
	}
	QGraphicsView::mousePressEvent(event);
}

} /* namespace dbkviewer */

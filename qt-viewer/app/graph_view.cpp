/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "graph_view.h"

#include <QFontMetricsF>
#include <QGraphicsEllipseItem>
#include <QGraphicsPathItem>
#include <QGraphicsRectItem>
#include <QGraphicsScene>
#include <QGraphicsSimpleTextItem>
#include <QImage>
#include <QMouseEvent>
#include <QPainter>
#include <QSvgGenerator>
#include <QWheelEvent>

#include "graph_layout.h"
#include "session_model.h"

namespace dbkviewer {

static constexpr double kPadRow = 16;
static constexpr int kRoleId = 0;   /* QGraphicsItem data: the id */
static constexpr int kRoleKind = 1; /* "element" or "link" */

static QString humanRate(double bps)
{
	if (bps >= 1e9)
		return QString::number(bps / 1e9, 'f', 2) + " GB/s";
	if (bps >= 1e6)
		return QString::number(bps / 1e6, 'f', 1) + " MB/s";
	if (bps >= 1e3)
		return QString::number(bps / 1e3, 'f', 1) + " kB/s";
	return QString::number(bps, 'f', 0) + " B/s";
}

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

GraphView::GraphView(SessionModel *model, QWidget *parent)
	: QGraphicsView(parent), model_(model), scene_(new QGraphicsScene(this))
{
	setScene(scene_);
	setRenderHint(QPainter::Antialiasing);
	setDragMode(QGraphicsView::ScrollHandDrag);
	setTransformationAnchor(QGraphicsView::AnchorUnderMouse);
	setBackgroundBrush(QColor(0xfa, 0xfa, 0xf7));
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

void GraphView::rebuild()
{
	QString key = structureKey();
	if (key == key_) {
		refresh();
		return;
	}
	key_ = key;
	scene_->clear();
	nodes_.clear();
	edges_.clear();

	QFont bold = font();
	bold.setBold(true);
	QFontMetricsF fm(font()), fmb(bold);
	LayoutInput in;
	struct NodeBox {
		const ElementInfo *e;
		QSizeF size;
		QStringList sinks, srcs;
	};
	QList<NodeBox> boxes;
	for (const ElementInfo *e : model_->leafElements()) {
		NodeBox b{ e, {}, {}, {} };
		double padW = 0;
		for (const PadInfo &p : e->pads) {
			(p.direction == QLatin1String("sink") ? b.sinks : b.srcs) << p.name;
			padW = qMax(padW, fm.horizontalAdvance(p.name));
		}
		double textW =
			qMax(fmb.horizontalAdvance(e->name), fm.horizontalAdvance(e->factory));
		double w = textW + 2 * (padW + 14) + 12;
		double rows = qMax<double>(qMax(b.sinks.size(), b.srcs.size()), 1);
		double h = qMax(3 * fm.height() + 14, rows * kPadRow + 16);
		b.size = QSizeF(w, h);
		boxes.append(b);
		in.nodes.append({ e->id, b.size });
	}
	for (const LinkInfo &l : model_->links())
		in.edges.append({ l.id, l.src, l.sink });
	LayoutResult lr = layoutGraph(in);
	layoutError_ = lr.ok ? QString() : lr.error;
	for (int i = 0; i < boxes.size(); ++i) {
		const NodeBox &b = boxes[i];
		QRectF r = lr.ok ? lr.nodes.value(b.e->id) : QRectF(QPointF(i * 220.0, 0), b.size);
		Node n;
		n.box = scene_->addRect(r, QPen(QColor(0x44, 0x44, 0x44), 1.2),
					QColor(0xff, 0xff, 0xff));
		n.box->setData(kRoleId, b.e->id);
		n.box->setData(kRoleKind, QStringLiteral("element"));
		n.box->setZValue(1);
		n.box->setToolTip(b.e->id + "\n" + b.e->factory + "\n" + b.e->klass);
		auto *name = new QGraphicsSimpleTextItem(b.e->name, n.box);
		name->setFont(bold);
		name->setPos(r.center().x() - fmb.horizontalAdvance(b.e->name) / 2, r.top() + 5);
		auto *factory = new QGraphicsSimpleTextItem(b.e->factory, n.box);
		factory->setBrush(QColor(0x55, 0x55, 0x55));
		factory->setPos(r.center().x() - fm.horizontalAdvance(b.e->factory) / 2,
				r.top() + 5 + fm.height());
		n.state = new QGraphicsSimpleTextItem(n.box);
		n.state->setBrush(QColor(0x77, 0x77, 0x77));
		n.state->setPos(r.center().x() - 25, r.top() + 5 + 2 * fm.height());
		auto addPads = [&](const QStringList &pads, bool left) {
			double y0 = r.center().y() - pads.size() * kPadRow / 2;
			for (int k = 0; k < pads.size(); ++k) {
				double y = y0 + k * kPadRow;
				double x = left ? r.left() : r.right() - 10;
				auto *pr = new QGraphicsRectItem(x, y + 3, 10, kPadRow - 6, n.box);
				pr->setBrush(left ? QColor(0xdd, 0xe6, 0xf5)
						  : QColor(0xf5, 0xe6, 0xdd));
				pr->setPen(QPen(QColor(0x66, 0x66, 0x66), 0.8));
				auto *t = new QGraphicsSimpleTextItem(pads[k], n.box);
				t->setBrush(QColor(0x33, 0x33, 0x33));
				double tw = fm.horizontalAdvance(pads[k]);
				t->setPos(left ? r.left() + 13 : r.right() - 13 - tw,
					  y + (kPadRow - fm.height()) / 2);
				n.padAnchors.insert(pads[k], QPointF(left ? r.left() : r.right(),
								     y + kPadRow / 2));
			}
		};
		addPads(b.sinks, true);
		addPads(b.srcs, false);
		n.copyMark = scene_->addEllipse(QRectF(r.right() - 9, r.top() - 9, 18, 18),
						QPen(Qt::white, 1.5), QColor(0xd1, 0x3b, 0x2e));
		n.copyMark->setZValue(3);
		n.copyText = new QGraphicsSimpleTextItem(QStringLiteral("C"), n.copyMark);
		n.copyText->setBrush(Qt::white);
		n.copyText->setFont(bold);
		n.copyText->setPos(r.right() - fmb.horizontalAdvance("C") / 2,
				   r.top() - fmb.height() / 2);
		n.copyMark->setVisible(false);
		nodes_.insert(b.e->id, n);
	}
	for (const LinkInfo &l : model_->links()) {
		const Node &a = nodes_[l.src];
		const Node &b = nodes_[l.sink];
		QPointF p0 =
			a.padAnchors.value(l.srcPad, a.box ? a.box->rect().center() : QPointF());
		QPointF p1 =
			b.padAnchors.value(l.sinkPad, b.box ? b.box->rect().center() : QPointF());
		QPainterPath path(p0);
		QVector<QPointF> spline = lr.edges.value(l.id);
		if (spline.size() >= 4 && (spline.size() - 1) % 3 == 0) {
			/* Graphviz's route, with its ends moved onto the pads. */
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
		e.label = scene_->addSimpleText(QString());
		e.label->setBrush(QColor(0x33, 0x33, 0x33));
		e.label->setData(kRoleId, path.pointAtPercent(0.5)); /* anchor for refresh() */
		e.label->setZValue(2);
		edges_.insert(l.id, e);
	}
	scene_->setSceneRect(scene_->itemsBoundingRect().adjusted(-30, -30, 30, 30));
	refresh();
	if (!fitted_ && !nodes_.isEmpty()) {
		fit();
		fitted_ = true;
	}
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
		it->box->setPen(QPen(it.key() == selectedElement_ ? QColor(0x1a, 0x5f, 0xd0)
								  : QColor(0x44, 0x44, 0x44),
				     it.key() == selectedElement_ ? 3 : 1.2));
	}
	for (auto it = edges_.begin(); it != edges_.end(); ++it) {
		LinkStats s = model_->linkStats(it.key());
		QString kind = linkKindName(s.kind);
		/* Red where a copy broke zero-copy; a dma-buf made by an upload copy
		   stays green (its producer carries the copy mark). */
		QPen pen(colourFor(kind, s.copied && s.kind != LinkKind::DmaBuf),
			 it.key() == selectedLink_ ? 5 : 3);
		if (s.kind == LinkKind::Unknown)
			pen.setStyle(Qt::DashLine);
		it->path->setPen(pen);
		QString text = kind;
		if (s.copied)
			text += QStringLiteral(" (copied)");
		if (model_->hasLinkStats(it.key()))
			text += QStringLiteral("\n%1 fps · %2")
					.arg(s.fps, 0, 'f', 1)
					.arg(humanRate(s.bps));
		it->label->setText(text);
		/* Centred above the middle of the link. */
		QPointF mid = it->label->data(kRoleId).toPointF();
		QRectF br = it->label->boundingRect();
		it->label->setPos(mid.x() - br.width() / 2, mid.y() - br.height() - 4);
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
}

void GraphView::zoomBy(double factor)
{
	double s = transform().m11() * factor;
	if (s < 0.05 || s > 20)
		return;
	scale(factor, factor);
}

bool GraphView::search(const QString &text)
{
	if (text.isEmpty())
		return false;
	for (const ElementInfo *e : model_->leafElements()) {
		if (e->id.contains(text, Qt::CaseInsensitive) ||
		    e->factory.contains(text, Qt::CaseInsensitive)) {
			selectedElement_ = e->id;
			selectedLink_.clear();
			refresh();
			if (auto *box = nodes_.value(e->id).box)
				centerOn(box);
			emit elementSelected(e->id);
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
			selectedElement_ = id;
			selectedLink_.clear();
			refresh();
			emit elementSelected(id);
			break;
		}
		if (kind == QLatin1String("link")) {
			selectedLink_ = id;
			selectedElement_.clear();
			refresh();
			emit linkSelected(id);
			break;
		}
	}
	QGraphicsView::mousePressEvent(event);
}

bool GraphView::exportSvg(const QString &path, QString *error)
{
	QSvgGenerator gen;
	gen.setFileName(path);
	QRectF r = scene_->sceneRect();
	gen.setSize(r.size().toSize());
	gen.setViewBox(QRectF(QPointF(0, 0), r.size()));
	gen.setTitle(QStringLiteral("dmabufkit pipeline"));
	QPainter p;
	if (!p.begin(&gen)) {
		if (error)
			*error = QStringLiteral("cannot write %1").arg(path);
		return false;
	}
	scene_->render(&p, QRectF(QPointF(0, 0), r.size()), r);
	p.end();
	return true;
}

bool GraphView::exportPng(const QString &path, QString *error)
{
	QRectF r = scene_->sceneRect();
	QImage img((r.size() * 2).toSize(), QImage::Format_ARGB32);
	img.fill(Qt::white);
	QPainter p(&img);
	p.setRenderHint(QPainter::Antialiasing);
	scene_->render(&p, QRectF(QPointF(0, 0), r.size() * 2), r);
	p.end();
	if (!img.save(path, "PNG")) {
		if (error)
			*error = QStringLiteral("cannot write %1").arg(path);
		return false;
	}
	return true;
}

} /* namespace dbkviewer */

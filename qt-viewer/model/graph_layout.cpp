/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "graph_layout.h"

#include <graphviz/gvc.h>

#include <QMap>

#include <memory>

namespace dbkviewer {

namespace {

struct GvcDeleter {
	void operator()(GVC_t *g) const { gvFreeContext(g); }
};
struct GraphDeleter {
	void operator()(Agraph_t *g) const { agclose(g); }
};

constexpr double kRowGap = 40; /* between wrapped rows: room for the links going down */

void setAttr(void *obj, const char *name, const QByteArray &value)
{
	agsafeset(obj, const_cast<char *>(name), const_cast<char *>(value.constData()),
		  const_cast<char *>(""));
}

Agnode_t *addBox(Agraph_t *g, const QByteArray &name, QSizeF size)
{
	Agnode_t *n = agnode(g, const_cast<char *>(name.constData()), 1);
	setAttr(n, "shape", "box");
	setAttr(n, "fixedsize", "true");
	setAttr(n, "label", "");
	setAttr(n, "width", QByteArray::number(qMax(size.width(), 1.0) / 72.0));
	setAttr(n, "height", QByteArray::number(qMax(size.height(), 1.0) / 72.0));
	return n;
}

/* A straight cubic segment from the last point of @pts to @q. */
void lineTo(QVector<QPointF> &pts, QPointF q)
{
	const QPointF p = pts.last();
	pts << p + (q - p) / 3 << p + (q - p) * 2 / 3 << q;
}

struct Piece {
	Agedge_t *edge = nullptr;
	Agnode_t *tail = nullptr;
	Agnode_t *head = nullptr;
};

} /* namespace */

QString layoutDirectionName(LayoutDirection d)
{
	return d == LayoutDirection::TopToBottom ? QStringLiteral("top-to-bottom")
						 : QStringLiteral("left-to-right");
}

LayoutResult layoutGraph(const LayoutInput &input)
{
	LayoutResult r;
	r.direction = input.direction;
	const bool lr = input.direction == LayoutDirection::LeftToRight;
	std::unique_ptr<GVC_t, GvcDeleter> gvc(gvContext());
	if (!gvc) {
		r.error = QStringLiteral("gvContext failed");
		return r;
	}
	char gname[] = "pipeline";
	std::unique_ptr<Agraph_t, GraphDeleter> g(agopen(gname, Agdirected, nullptr));
	setAttr(g.get(), "rankdir", lr ? "LR" : "TB");
	setAttr(g.get(), "nodesep", "0.3");
	setAttr(g.get(), "ranksep", "0.3");
	QHash<QString, Agnode_t *> nodes;
	int i = 0;
	for (const auto &n : input.nodes) {
		if (nodes.contains(n.id))
			continue;
		nodes.insert(n.id, addBox(g.get(), "n" + QByteArray::number(i++), n.size));
	}
	/* Each link: one edge, or two through its label's node. */
	QMap<QString, QList<Piece>> pieces;
	QHash<QString, Agnode_t *> labelNodes;
	int k = 0;
	for (const auto &e : input.edges) {
		Agnode_t *a = nodes.value(e.from), *b = nodes.value(e.to);
		if (!a || !b || pieces.contains(e.id))
			continue;
		QList<Piece> ps;
		auto add = [&](Agnode_t *t, Agnode_t *h) {
			QByteArray key = "e" + QByteArray::number(k++);
			if (Agedge_t *ge = agedge(g.get(), t, h, key.data(), 1)) {
				setAttr(ge, "dir", "none"); /* splines reach the nodes */
				ps.append({ ge, t, h });
			}
		};
		if (!e.label.isEmpty()) {
			Agnode_t *l = addBox(g.get(), "l" + QByteArray::number(k), e.label);
			labelNodes.insert(e.id, l);
			add(a, l);
			add(l, b);
		} else {
			add(a, b);
		}
		pieces.insert(e.id, ps);
	}
	if (gvLayout(gvc.get(), g.get(), "dot") != 0) {
		r.error = QStringLiteral("Graphviz dot layout failed");
		return r;
	}
	const boxf bb = GD_bb(g.get());
	const double height = bb.UR.y;
	auto toScene = [&](pointf p) { return QPointF(p.x, height - p.y); };
	auto rectOf = [&](Agnode_t *n) {
		QPointF c = toScene(ND_coord(n));
		double w = ND_width(n) * 72.0, h = ND_height(n) * 72.0;
		return QRectF(c.x() - w / 2, c.y() - h / 2, w, h);
	};

	/* Wrapping: ranks (columns, left to right) grouped into rows that fit. */
	QMap<int, QPair<double, double>> rankSpan; /* rank -> left, right */
	for (Agnode_t *n = agfstnode(g.get()); n; n = agnxtnode(g.get(), n)) {
		QRectF rc = rectOf(n);
		auto it = rankSpan.find(ND_rank(n));
		if (it == rankSpan.end())
			rankSpan.insert(ND_rank(n), { rc.left(), rc.right() });
		else
			*it = { qMin(it->first, rc.left()), qMax(it->second, rc.right()) };
	}
	QHash<int, int> rowOfRank;
	QVector<double> rowStart;
	for (auto it = rankSpan.constBegin(); it != rankSpan.constEnd(); ++it) {
		const bool wrap = lr && input.maxWidth > 0 && !rowStart.isEmpty() &&
				  it->second - rowStart.last() > input.maxWidth;
		if (rowStart.isEmpty() || wrap)
			rowStart.append(it->first);
		rowOfRank.insert(it.key(), rowStart.size() - 1);
	}
	if (rowStart.isEmpty())
		rowStart.append(0);
	r.rows = rowStart.size();
	/* Rows as tall as what is in them, stacked with a gap for the links down. */
	QVector<double> rowTop(r.rows, 1e18), rowBottom(r.rows, -1e18);
	for (Agnode_t *n = agfstnode(g.get()); n; n = agnxtnode(g.get(), n)) {
		const int row = rowOfRank.value(ND_rank(n));
		const QRectF rc = rectOf(n);
		rowTop[row] = qMin(rowTop[row], rc.top());
		rowBottom[row] = qMax(rowBottom[row], rc.bottom());
	}
	QVector<double> rowShift(r.rows, 0), placedBottom(r.rows, 0);
	for (int row = 0; row < r.rows; ++row) {
		if (rowTop[row] > rowBottom[row])
			rowTop[row] = rowBottom[row] = 0;
		rowShift[row] = row ? placedBottom[row - 1] + kRowGap - rowTop[row] : 0;
		placedBottom[row] = rowBottom[row] + rowShift[row];
	}
	auto rowOf = [&](Agnode_t *n) { return rowOfRank.value(ND_rank(n)); };
	auto offset = [&](Agnode_t *n) {
		const int row = rowOf(n);
		return QPointF(rowStart.first() - rowStart[row], rowShift[row]);
	};

	for (auto it = nodes.constBegin(); it != nodes.constEnd(); ++it)
		r.nodes.insert(it.key(), rectOf(it.value()).translated(offset(it.value())));
	for (auto it = labelNodes.constBegin(); it != labelNodes.constEnd(); ++it)
		r.labels.insert(it.key(), rectOf(it.value()).translated(offset(it.value())));
	int crossing = 0; /* links going down a row, spread apart */
	for (auto it = pieces.constBegin(); it != pieces.constEnd(); ++it) {
		QVector<QPointF> pts;
		for (const Piece &p : it.value()) {
			QVector<QPointF> spl;
			if (ED_spl(p.edge) && ED_spl(p.edge)->size > 0) {
				const bezier &bz = ED_spl(p.edge)->list[0];
				for (int j = 0; j < bz.size; ++j)
					spl.append(toScene(bz.list[j]));
			}
			const QPointF ot = offset(p.tail), oh = offset(p.head);
			if (spl.size() < 4 || (spl.size() - 1) % 3 != 0)
				spl = { rectOf(p.tail).center(), rectOf(p.head).center() };
			QPointF a = spl.first() + ot, b = spl.last() + oh;
			if (pts.isEmpty())
				pts.append(a);
			else
				lineTo(pts, a); /* through the label */
			if (ot == oh && spl.size() >= 4) {
				for (int j = 1; j < spl.size(); ++j)
					pts.append(spl[j] + ot);
			} else if (ot == oh) {
				lineTo(pts, b);
			} else {
				/* Down into the gap below the tail's row, back left, down to the
				 * head. */
				const int lane = crossing++ % 4;
				const double gapY = placedBottom[rowOf(p.tail)] + kRowGap / 2 +
						    (lane - 1.5) * 5;
				const double dx = 10 + 5 * lane;
				lineTo(pts, QPointF(a.x() + dx, a.y()));
				lineTo(pts, QPointF(a.x() + dx, gapY));
				lineTo(pts, QPointF(b.x() - dx, gapY));
				lineTo(pts, QPointF(b.x() - dx, b.y()));
				lineTo(pts, b);
			}
		}
		r.edges.insert(it.key(), pts);
	}
	QRectF bounds;
	for (const QRectF &rc : std::as_const(r.nodes))
		bounds |= rc;
	for (const QRectF &rc : std::as_const(r.labels))
		bounds |= rc;
	for (const auto &pts : std::as_const(r.edges))
		for (const QPointF &p : pts)
			bounds |= QRectF(p, QSizeF(1, 1));
	r.bounds = bounds;
	gvFreeLayout(gvc.get(), g.get());
	r.ok = true;
	return r;
}

LayoutResult chooseLayout(LayoutInput leftToRight, LayoutInput topToBottom, QSizeF viewport)
{
	leftToRight.direction = LayoutDirection::LeftToRight;
	leftToRight.maxWidth = 0;
	topToBottom.direction = LayoutDirection::TopToBottom;
	topToBottom.maxWidth = 0;
	const double availW = qMax(200.0, viewport.width());
	const double availH = qMax(150.0, viewport.height());
	LayoutResult straight = layoutGraph(leftToRight);
	if (!straight.ok || straight.bounds.width() <= availW)
		return straight;
	/* Links going down to the next row run up to 25 units right of a row's end. */
	leftToRight.maxWidth = availW - 30;
	LayoutResult wrapped = layoutGraph(leftToRight);
	LayoutResult down = layoutGraph(topToBottom);
	if (!wrapped.ok || !down.ok)
		return wrapped.ok ? wrapped : straight;
	const bool wFits = wrapped.bounds.width() <= availW;
	const bool dFits = down.bounds.width() <= availW;
	if (wFits != dFits)
		return wFits ? wrapped : down;
	if (!wFits)
		return wrapped.bounds.width() <= down.bounds.width() ? wrapped : down;
	const double wOver = qMax(0.0, wrapped.bounds.height() - availH);
	const double dOver = qMax(0.0, down.bounds.height() - availH);
	return dOver < wOver ? down : wrapped;
}

} /* namespace dbkviewer */

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The scene items of one element (box, name, factory, state, pads, copy
 * mark) and of one link label, for either layout direction: left to right
 * puts sink pads on the left and source pads on the right, top to bottom
 * puts them on the top and bottom edges.
 */
#pragma once

#include <QFont>
#include <QHash>
#include <QList>
#include <QPointF>
#include <QRectF>
#include <QSizeF>
#include <QString>

#include "graph_layout.h"

class QGraphicsEllipseItem;
class QGraphicsRectItem;
class QGraphicsScene;
class QGraphicsSimpleTextItem;

namespace dbkviewer {

struct ElementInfo;

/* QGraphicsItem data roles. */
constexpr int kRoleId = 0;   /* the element's or link's id */
constexpr int kRoleKind = 1; /* "element" or "link" */

struct NodeItems {
	QGraphicsRectItem *box = nullptr;
	QGraphicsSimpleTextItem *name = nullptr;
	QGraphicsSimpleTextItem *state = nullptr;
	QGraphicsEllipseItem *copyMark = nullptr;
	QList<QGraphicsSimpleTextItem *> texts; /* every text of the node */
	QHash<QString, QPointF> padAnchors;	/* pad name -> scene point */
};

class GraphItems
{
public:
	explicit GraphItems(const QFont &font);

	QSizeF nodeSize(const ElementInfo &e, LayoutDirection d) const;
	/* The box a link label gets (the widest compact label fits in it). */
	QSizeF labelSize(LayoutDirection d) const;
	NodeItems addNode(QGraphicsScene *scene, const ElementInfo &e, const QRectF &r,
			  LayoutDirection d) const;
	/* Places @label's text in the label box @r (beside the line through its middle). */
	static void placeLabel(QGraphicsSimpleTextItem *label, const QRectF &r, LayoutDirection d);

private:
	QFont font_;
	QFont bold_;
	double padRow_;
	double line_; /* from one text line of a node to the next */
};

} /* namespace dbkviewer */

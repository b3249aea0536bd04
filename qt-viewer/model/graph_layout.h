/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Places the pipeline's elements and link labels with Graphviz (dot). Pure
 * geometry: sizes in, positions out; the view draws.
 *
 * Link labels are laid out as nodes of their own (Graphviz splits each link
 * at its label), so a label never covers an element or another label. A
 * left-to-right layout wider than the space it gets is wrapped into rows
 * (cut between ranks, the rows stacked top to bottom); chooseLayout() picks
 * the direction and wrapping that keeps everything readable at scale 1.
 */
#pragma once

#include <QHash>
#include <QList>
#include <QPointF>
#include <QRectF>
#include <QSizeF>
#include <QString>
#include <QVector>

namespace dbkviewer {

enum class LayoutDirection { LeftToRight, TopToBottom };
QString layoutDirectionName(LayoutDirection d);

struct LayoutInput {
	struct Node {
		QString id;
		QSizeF size; /* scene units (pixels at scale 1) */
	};
	struct Edge {
		QString id;
		QString from;
		QString to;
		QSizeF label; /* the label's box; empty: no label */
	};
	QList<Node> nodes;
	QList<Edge> edges;
	LayoutDirection direction = LayoutDirection::LeftToRight;
	/* Left to right only: wrap into rows no wider than this (0: never). */
	double maxWidth = 0;
};

struct LayoutResult {
	bool ok = false;
	QString error;
	LayoutDirection direction = LayoutDirection::LeftToRight;
	int rows = 1;
	QHash<QString, QRectF> nodes;		/* scene rectangles, y down */
	QHash<QString, QVector<QPointF>> edges; /* cubic Bezier: p0 (c1 c2 p)+ */
	QHash<QString, QRectF> labels;		/* the label box of each edge with one */
	QRectF bounds;
};

LayoutResult layoutGraph(const LayoutInput &input);

/**
 * \brief The layout that keeps a graph readable at scale 1 in \a viewport:
 * left to right when it fits the width, else the better of left to right
 * wrapped into rows and top to bottom (the one that needs no horizontal
 * scrolling and the least vertical scrolling). \a leftToRight and
 * \a topToBottom are the same graph with the node and label sizes of each
 * direction (pads sit on different sides).
 */
LayoutResult chooseLayout(LayoutInput leftToRight, LayoutInput topToBottom, QSizeF viewport);

} /* namespace dbkviewer */

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Places the pipeline's elements with Graphviz (dot, left to right). Pure
 * geometry: sizes in, positions out; the view draws.
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

struct LayoutInput {
	struct Node {
		QString id;
		QSizeF size; /* scene units (points) */
	};
	struct Edge {
		QString id;
		QString from;
		QString to;
	};
	QList<Node> nodes;
	QList<Edge> edges;
};

struct LayoutResult {
	bool ok = false;
	QString error;
	QHash<QString, QRectF> nodes;		/* scene rectangles, y down */
	QHash<QString, QVector<QPointF>> edges; /* Graphviz spline control points */
	QRectF bounds;
};

LayoutResult layoutGraph(const LayoutInput &input);

} /* namespace dbkviewer */

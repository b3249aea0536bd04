/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The pipeline drawn from the model: elements as boxes with their pads,
 * links coloured by what flows (dma-buf, memfd, system memory), copies
 * marked, compact labels (memory kind, rate) on the links. The layout is
 * chosen for the view's size so that every name and label is readable at
 * scale 1 (the window's own font size): wrapped into rows or top to bottom
 * when a chain is long, scrolled rather than shrunk. Zoom with the wheel,
 * pan by dragging, Fit to see everything.
 */
#pragma once

#include <QGraphicsView>
#include <QHash>
#include <QJsonObject>
#include <QTimer>

#include "graph_items.h"
#include "graph_layout.h"

class QGraphicsPathItem;
class QGraphicsSimpleTextItem;

namespace dbkviewer {

class SessionModel;

class GraphView : public QGraphicsView
{
	Q_OBJECT
public:
	explicit GraphView(SessionModel *model, QWidget *parent = nullptr);

	/* Everything in view, shrinking below readable size if needed (the Fit button). */
	void fit();
	/* The first view: readable scale (at least 1), the start of the pipeline in view. */
	void showReadable();
	void zoomBy(double factor);
	/* Select and centre the first element whose id, name or factory contains @text. */
	bool search(const QString &text);
	void selectElement(const QString &id);
	void selectLink(const QString &id);
	QString selectedElement() const { return selectedElement_; }
	QString selectedLink() const { return selectedLink_; }
	bool exportSvg(const QString &path, QString *error);
	bool exportPng(const QString &path, QString *error);
	QString layoutError() const { return layoutError_; }
	/* What the current view makes of its text: sizes, overlaps, scrolling (--dump-model). */
	QJsonObject readability() const;

	static QColor colourFor(const QString &kind, bool copied);
	/* The compact text on a link: "dmabuf · 30 fps". */
	static QString linkLabel(const QString &kind, bool copied, bool hasStats, double fps);

signals:
	void elementSelected(const QString &id);
	void linkSelected(const QString &id);

protected:
	void wheelEvent(QWheelEvent *event) override;
	void mousePressEvent(QMouseEvent *event) override;
	void resizeEvent(QResizeEvent *event) override;

private:
	void rebuild();
	void relayout();
	void refresh();
	QString structureKey() const;
	QSizeF layoutSpace() const;

	struct Edge {
		QGraphicsPathItem *path = nullptr;
		QGraphicsSimpleTextItem *label = nullptr;
		QRectF labelBox;
	};

	SessionModel *model_;
	QGraphicsScene *scene_;
	QString key_;
	QHash<QString, NodeItems> nodes_;
	QHash<QString, Edge> edges_;
	QString selectedElement_;
	QString selectedLink_;
	QString layoutError_;
	LayoutDirection direction_ = LayoutDirection::LeftToRight;
	int rows_ = 1;
	double laidOutWidth_ = 0;
	bool shown_ = false;	  /* the first readable view was set */
	bool userZoomed_ = false; /* then a resize keeps the user's view */
	QTimer relayoutTimer_;
};

} /* namespace dbkviewer */

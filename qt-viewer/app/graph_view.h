/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The pipeline drawn from the model: elements as boxes with their pads,
 * links coloured by what flows (dma-buf, memfd, system memory), copies
 * marked, live rates on the links. Zoom with the wheel, pan by dragging.
 */
#pragma once

#include <QGraphicsView>
#include <QHash>

class QGraphicsPathItem;
class QGraphicsRectItem;
class QGraphicsSimpleTextItem;
class QGraphicsEllipseItem;

namespace dbkviewer {

class SessionModel;

class GraphView : public QGraphicsView
{
	Q_OBJECT
public:
	explicit GraphView(SessionModel *model, QWidget *parent = nullptr);

	void fit();
	void zoomBy(double factor);
	/* Select and centre the first element whose id, name or factory contains @text. */
	bool search(const QString &text);
	QString selectedElement() const { return selectedElement_; }
	QString selectedLink() const { return selectedLink_; }
	bool exportSvg(const QString &path, QString *error);
	bool exportPng(const QString &path, QString *error);
	QString layoutError() const { return layoutError_; }

	static QColor colourFor(const QString &kind, bool copied);

signals:
	void elementSelected(const QString &id);
	void linkSelected(const QString &id);

protected:
	void wheelEvent(QWheelEvent *event) override;
	void mousePressEvent(QMouseEvent *event) override;

private:
	void rebuild();
	void refresh();
	QString structureKey() const;

	struct Node {
		QGraphicsRectItem *box = nullptr;
		QGraphicsSimpleTextItem *state = nullptr;
		QGraphicsEllipseItem *copyMark = nullptr;
		QGraphicsSimpleTextItem *copyText = nullptr;
		QHash<QString, QPointF> padAnchors; /* pad name -> scene point */
	};
	struct Edge {
		QGraphicsPathItem *path = nullptr;
		QGraphicsSimpleTextItem *label = nullptr;
	};

	SessionModel *model_;
	QGraphicsScene *scene_;
	QString key_;
	QHash<QString, Node> nodes_;
	QHash<QString, Edge> edges_;
	QString selectedElement_;
	QString selectedLink_;
	QString layoutError_;
	bool fitted_ = false;
};

} /* namespace dbkviewer */

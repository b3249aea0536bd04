/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The graph as files (SVG, PNG) and as a readability report (--dump-model). */
#include <QApplication>
#include <QFontInfo>
#include <QGraphicsRectItem>
#include <QGraphicsScene>
#include <QGraphicsSimpleTextItem>
#include <QImage>
#include <QJsonArray>
#include <QPainter>
#include <QSvgGenerator>

#include "graph_view.h"

namespace dbkviewer {

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

static QJsonArray rectJson(const QRectF &r)
{
	return QJsonArray{ r.x(), r.y(), r.width(), r.height() };
}

QJsonObject GraphView::readability() const
{
	const double s = transform().m11();
	const QRectF visible = mapToScene(viewport()->rect()).boundingRect();
	double minPx = 1e9;
	QJsonArray texts, overlaps;
	int visibleNow = 0;
	struct Covered {
		QString what;
		QRectF r;
	};
	QList<Covered> boxes; /* element boxes and link labels: none may cover another */
	auto note = [&](const QString &kind, const QString &id, const QGraphicsSimpleTextItem *t) {
		if (!t || t->text().isEmpty())
			return;
		const double px = QFontInfo(t->font()).pixelSize() * s;
		minPx = qMin(minPx, px);
		const QRectF r = t->sceneBoundingRect();
		const bool inView = visible.contains(r);
		visibleNow += inView;
		texts.append(QJsonObject{ { "kind", kind },
					  { "id", id },
					  { "text", t->text() },
					  { "px", px },
					  { "rect", rectJson(r) },
					  { "in_view", inView } });
	};
	for (auto it = nodes_.constBegin(); it != nodes_.constEnd(); ++it) {
		note(QStringLiteral("element"), it.key(), it->name);
		for (const QGraphicsSimpleTextItem *t : it->texts)
			if (t != it->name) {
				const double px = QFontInfo(t->font()).pixelSize() * s;
				if (!t->text().isEmpty())
					minPx = qMin(minPx, px);
			}
		boxes.append({ it.key(), it->box->rect() });
		/* Inside a node: name, factory, state and pad names apart. */
		for (int a = 0; a < it->texts.size(); ++a)
			for (int b = a + 1; b < it->texts.size(); ++b) {
				const QGraphicsSimpleTextItem *ta = it->texts[a],
							      *tb = it->texts[b];
				if (!ta->text().isEmpty() && !tb->text().isEmpty() &&
				    ta->sceneBoundingRect()
					    .adjusted(0.5, 0.5, -0.5, -0.5)
					    .intersects(tb->sceneBoundingRect().adjusted(
						    0.5, 0.5, -0.5, -0.5)))
					overlaps.append(
						QStringLiteral("%1: \"%2\" overlaps \"%3\"")
							.arg(it.key(), ta->text(), tb->text()));
			}
		/* The name must fit inside its own box. */
		if (!it->box->rect().contains(it->name->sceneBoundingRect()))
			overlaps.append(it.key() + QStringLiteral(": name outside its box"));
	}
	for (auto it = edges_.constBegin(); it != edges_.constEnd(); ++it) {
		note(QStringLiteral("link"), it.key(), it->label);
		boxes.append(
			{ QStringLiteral("label ") + it.key(), it->label->sceneBoundingRect() });
	}
	for (int i = 0; i < boxes.size(); ++i)
		for (int j = i + 1; j < boxes.size(); ++j)
			if (boxes[i].r.intersects(boxes[j].r))
				overlaps.append(boxes[i].what + QStringLiteral(" overlaps ") +
						boxes[j].what);
	const QRectF scene = scene_->sceneRect();
	const QSize vp = viewport()->size();
	return QJsonObject{
		{ "direction", layoutDirectionName(direction_) },
		{ "rows", rows_ },
		{ "scale", s },
		{ "window_font_px", QFontInfo(QApplication::font()).pixelSize() },
		{ "min_text_px", texts.isEmpty() ? 0.0 : minPx },
		{ "elements", nodes_.size() },
		{ "links", edges_.size() },
		{ "texts", texts },
		{ "texts_in_view", visibleNow },
		{ "overlaps", overlaps },
		{ "scene", QJsonArray{ scene.width(), scene.height() } },
		{ "viewport", QJsonArray{ vp.width(), vp.height() } },
		{ "scrolls_horizontally", scene.width() * s > vp.width() + 1 },
		{ "scrolls_vertically", scene.height() * s > vp.height() + 1 },
		{ "layout_error", layoutError_ },
	};
}

} /* namespace dbkviewer */

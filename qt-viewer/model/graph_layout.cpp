/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "graph_layout.h"

#include <graphviz/gvc.h>

#include <memory>

namespace dbkviewer {

namespace {

struct GvcDeleter {
	void operator()(GVC_t *g) const { gvFreeContext(g); }
};
struct GraphDeleter {
	void operator()(Agraph_t *g) const { agclose(g); }
};

void setAttr(void *obj, const char *name, const QByteArray &value)
{
	agsafeset(obj, const_cast<char *>(name), const_cast<char *>(value.constData()),
		  const_cast<char *>(""));
}

} /* namespace */

LayoutResult layoutGraph(const LayoutInput &input)
{
	LayoutResult r;
	std::unique_ptr<GVC_t, GvcDeleter> gvc(gvContext());
	if (!gvc) {
		r.error = QStringLiteral("gvContext failed");
		return r;
	}
	char gname[] = "pipeline";
	std::unique_ptr<Agraph_t, GraphDeleter> g(agopen(gname, Agdirected, nullptr));
	setAttr(g.get(), "rankdir", "LR");
	setAttr(g.get(), "nodesep", "0.4");
	setAttr(g.get(), "ranksep", "1.6");
	QHash<QString, Agnode_t *> nodes;
	QHash<Agnode_t *, QString> ids;
	int i = 0;
	for (const auto &n : input.nodes) {
		if (nodes.contains(n.id))
			continue;
		QByteArray name = "n" + QByteArray::number(i++);
		Agnode_t *gn = agnode(g.get(), name.data(), 1);
		setAttr(gn, "shape", "box");
		setAttr(gn, "fixedsize", "true");
		setAttr(gn, "label", "");
		setAttr(gn, "width", QByteArray::number(n.size.width() / 72.0));
		setAttr(gn, "height", QByteArray::number(n.size.height() / 72.0));
		nodes.insert(n.id, gn);
		ids.insert(gn, n.id);
	}
	QHash<QString, Agedge_t *> edges;
	for (const auto &e : input.edges) {
		Agnode_t *a = nodes.value(e.from), *b = nodes.value(e.to);
		if (!a || !b || edges.contains(e.id))
			continue;
		QByteArray key = "e" + QByteArray::number(edges.size());
		Agedge_t *ge = agedge(g.get(), a, b, key.data(), 1);
		if (ge)
			edges.insert(e.id, ge);
	}
	if (gvLayout(gvc.get(), g.get(), "dot") != 0) {
		r.error = QStringLiteral("Graphviz dot layout failed");
		return r;
	}
	boxf bb = GD_bb(g.get());
	double height = bb.UR.y;
	auto toScene = [&](pointf p) { return QPointF(p.x, height - p.y); };
	for (auto it = nodes.constBegin(); it != nodes.constEnd(); ++it) {
		Agnode_t *n = it.value();
		QPointF c = toScene(ND_coord(n));
		double w = ND_width(n) * 72.0, h = ND_height(n) * 72.0;
		r.nodes.insert(it.key(), QRectF(c.x() - w / 2, c.y() - h / 2, w, h));
	}
	for (auto it = edges.constBegin(); it != edges.constEnd(); ++it) {
		Agedge_t *e = it.value();
		QVector<QPointF> pts;
		if (ED_spl(e) && ED_spl(e)->size > 0) {
			const bezier &bz = ED_spl(e)->list[0];
			for (int k = 0; k < bz.size; ++k)
				pts.append(toScene(bz.list[k]));
		}
		r.edges.insert(it.key(), pts);
	}
	r.bounds = QRectF(0, 0, bb.UR.x, bb.UR.y);
	gvFreeLayout(gvc.get(), g.get());
	r.ok = true;
	return r;
}

} /* namespace dbkviewer */

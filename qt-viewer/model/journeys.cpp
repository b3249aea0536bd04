/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "journeys.h"

#include <QJsonArray>

#include <algorithm>
#include <cmath>

#include "session_model.h"

namespace dbkviewer {

/* A count from hostile input: finite, within quint64, else 0. */
static quint64 whole(const QJsonValue &v)
{
	const double d = v.toDouble(0);
	return std::isfinite(d) && d > 0 && d < 1.8e19 ? quint64(d) : 0;
}

bool JourneyStore::ingest(const QJsonObject &o)
{
	const QJsonValue hv = o.value(QLatin1String("hops"));
	if (!hv.isArray())
		return false;
	every_ = o.value(QLatin1String("every")).toInt();
	lost_ = whole(o.value(QLatin1String("lost")));
	for (const QJsonValue &v : hv.toArray()) {
		const QJsonObject h = v.toObject();
		const quint64 id = whole(h.value(QLatin1String("frame")));
		const double tus = h.value(QLatin1String("t_us")).toDouble(-1);
		const QString link = h.value(QLatin1String("link")).toString().left(1024);
		if (!id || !std::isfinite(tus) || tus < 0 || link.isEmpty())
			continue;
		if (!journeys_.contains(id) && journeys_.size() >= kMaxFrames)
			journeys_.erase(journeys_.begin()); /* the oldest */
		Journey &j = journeys_[id];
		if (j.hops.size() >= 256)
			continue;
		j.frame = id;
		j.pts = whole(h.value(QLatin1String("pts")));
		JourneyHop hop;
		hop.link = link;
		hop.done = h.value(QLatin1String("what")).toString() == QLatin1String("done");
		hop.t = tus / 1e6;
		hop.inode = whole(h.value(QLatin1String("inode")));
		hop.exporter = h.value(QLatin1String("exporter")).toString().left(256);
		hop.name = h.value(QLatin1String("name")).toString().left(256);
		j.hops.append(hop);
	}
	return true;
}

void JourneyStore::clear()
{
	journeys_.clear();
	every_ = 0;
	lost_ = 0;
}

/* Longest path from a source, per element: the graph's order. */
static QHash<QString, int> graphOrder(const QList<LinkInfo> &links)
{
	QHash<QString, int> rank;
	for (int round = 0; round < 64; ++round) {
		bool changed = false;
		for (const LinkInfo &l : links) {
			const int r = rank.value(l.src, 0) + 1;
			if (rank.value(l.sink, 0) < r) {
				rank[l.sink] = r;
				changed = true;
			}
		}
		if (!changed)
			break;
	}
	return rank;
}

QList<JourneySlice> JourneyStore::slices(const Journey &j, const QList<LinkInfo> &links)
{
	QHash<QString, const LinkInfo *> byId;
	for (const LinkInfo &l : links)
		byId.insert(l.id, &l);
	QHash<QString, const JourneyHop *> in, out, given; /* per element */
	for (const JourneyHop &h : j.hops) {
		const LinkInfo *l = byId.value(h.link);
		if (!l)
			continue;
		if (h.done) {
			if (!given.contains(l->sink) || h.t > given[l->sink]->t)
				given[l->sink] = &h;
			continue;
		}
		if (!in.contains(l->sink) || h.t < in[l->sink]->t)
			in[l->sink] = &h;
		if (!out.contains(l->src) || h.t > out[l->src]->t)
			out[l->src] = &h;
	}
	QStringList elements = in.keys();
	for (const QString &e : out.keys())
		if (!in.contains(e))
			elements << e;
	QList<JourneySlice> res;
	for (const QString &e : elements) {
		JourneySlice s;
		s.element = e;
		const JourneyHop *hin = in.value(e), *hout = out.value(e), *hg = given.value(e);
		s.begin = hin ? hin->t : hout->t;
		s.end = hout ? hout->t : (hg ? hg->t : s.begin);
		s.end = qMax(s.end, s.begin);
		s.inLink = hin ? hin->link : QString();
		s.outLink = hout ? hout->link : QString();
		const JourneyHop *carrier = hout ? hout : hin;
		s.inode = carrier->inode;
		s.exporter = carrier->exporter;
		s.name = carrier->name;
		res.append(s);
	}
	const QHash<QString, int> rank = graphOrder(links);
	std::sort(res.begin(), res.end(), [&](const JourneySlice &a, const JourneySlice &b) {
		if (a.begin != b.begin)
			return a.begin < b.begin;
		return rank.value(a.element) < rank.value(b.element);
	});
	return res;
}

QJsonObject JourneyStore::chromeTrace(const QList<LinkInfo> &links, const QString &process) const
{
	struct Ev {
		double ts;
		int order; /* at one ts: closing E, B, flows, then E of empty slices */
		QJsonObject o;
	};
	QList<Ev> evs;
	QMap<QPair<QString, int>, int> tids; /* (element, lane) -> tid */
	QHash<QString, QList<double>> laneEnds;
	const QHash<QString, int> rank = graphOrder(links);
	auto us = [](double s) { return std::round(s * 1e6); };
	for (const Journey &j : journeys_) {
		const QList<JourneySlice> sl = slices(j, links);
		const QString frameName = QStringLiteral("frame %1").arg(j.frame);
		for (int k = 0; k < sl.size(); ++k) {
			const JourneySlice &s = sl[k];
			const double b = us(s.begin), e = qMax(us(s.end), b);
			QList<double> &ends = laneEnds[s.element];
			int lane = 0;
			while (lane < ends.size() && ends[lane] > b)
				++lane;
			if (lane == ends.size())
				ends.append(e);
			else
				ends[lane] = e;
			const auto key = qMakePair(s.element, lane);
			if (!tids.contains(key))
				tids.insert(key, tids.size() + 1);
			const int tid = tids.value(key);
			const QString name =
				s.element.section('/', -1) + QStringLiteral(" · ") + frameName;
			QJsonObject args{ { "frame", double(j.frame) },
					  { "pts", double(j.pts) },
					  { "in_link", s.inLink },
					  { "out_link", s.outLink } };
			if (s.inode)
				args.insert("dmabuf", QJsonObject{ { "inode", double(s.inode) },
								   { "exporter", s.exporter },
								   { "name", s.name } });
			auto base = [&](const char *ph, double ts) {
				return QJsonObject{ { "name", name }, { "cat", "journey" },
						    { "ph", ph },     { "ts", ts },
						    { "pid", 1 },     { "tid", tid } };
			};
			QJsonObject bo = base("B", b);
			bo.insert("args", args);
			evs.append({ b, 1, bo });
			evs.append({ e, e > b ? 0 : 3, base("E", e) });
			if (sl.size() < 2)
				continue;
			const char *ph = k == 0 ? "s" : (k + 1 == sl.size() ? "f" : "t");
			QJsonObject fo{ { "name", frameName }, { "cat", "journey" },
					{ "ph", ph },	       { "id", double(j.frame) },
					{ "ts", b },	       { "pid", 1 },
					{ "tid", tid } };
			if (k + 1 == sl.size())
				fo.insert("bp", "e");
			evs.append({ b, 2, fo });
		}
	}
	std::stable_sort(evs.begin(), evs.end(), [](const Ev &a, const Ev &b) {
		return a.ts != b.ts ? a.ts < b.ts : a.order < b.order;
	});
	QJsonArray out;
	out.append(QJsonObject{ { "name", "process_name" },
				{ "ph", "M" },
				{ "pid", 1 },
				{ "tid", 0 },
				{ "ts", 0 },
				{ "args", QJsonObject{ { "name", process } } } });
	for (auto it = tids.constBegin(); it != tids.constEnd(); ++it) {
		const QString track =
			it.key().first.section('/', -1) +
			(it.key().second ? QStringLiteral(" #%1").arg(it.key().second + 1)
					 : QString());
		out.append(QJsonObject{ { "name", "thread_name" },
					{ "ph", "M" },
					{ "pid", 1 },
					{ "tid", it.value() },
					{ "ts", 0 },
					{ "args", QJsonObject{ { "name", track } } } });
		out.append(QJsonObject{
			{ "name", "thread_sort_index" },
			{ "ph", "M" },
			{ "pid", 1 },
			{ "tid", it.value() },
			{ "ts", 0 },
			{ "args", QJsonObject{ { "sort_index", rank.value(it.key().first) * 16 +
								       it.key().second } } } });
	}
	for (const Ev &e : evs)
		out.append(e.o);
	return QJsonObject{ { "traceEvents", out },
			    { "displayTimeUnit", "ms" },
			    { "otherData", QJsonObject{ { "producer", "dmabufkit-viewer" },
							{ "sampling", every_ },
							{ "frames", journeys_.size() } } } };
}

} /* namespace dbkviewer */

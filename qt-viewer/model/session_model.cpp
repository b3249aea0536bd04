/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "session_model.h"

#include "findings.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonParseError>

#include <cmath>

namespace dbkviewer {

QString linkKindName(LinkKind k)
{
	switch (k) {
	case LinkKind::DmaBuf:
		return QStringLiteral("dmabuf");
	case LinkKind::Memfd:
		return QStringLiteral("memfd");
	case LinkKind::Fd:
		return QStringLiteral("fd");
	case LinkKind::System:
		return QStringLiteral("system");
	case LinkKind::Unknown:
		break;
	}
	return QStringLiteral("unknown");
}

LinkKind linkKindFromName(const QString &s)
{
	if (s == QLatin1String("dmabuf"))
		return LinkKind::DmaBuf;
	if (s == QLatin1String("memfd"))
		return LinkKind::Memfd;
	if (s == QLatin1String("fd"))
		return LinkKind::Fd;
	if (s == QLatin1String("system"))
		return LinkKind::System;
	return LinkKind::Unknown;
}

/* Numbers from hostile input: finite, else 0. */
static double num(const QJsonValue &v)
{
	double d = v.toDouble(0);
	return std::isfinite(d) ? d : 0;
}

static quint64 count(const QJsonValue &v)
{
	double d = num(v);
	if (d <= 0)
		return 0;
	if (d >= 1.8e19)
		return std::numeric_limits<quint64>::max();
	return static_cast<quint64>(d);
}

SessionModel::SessionModel(QObject *parent) : QObject(parent)
{
}

void SessionModel::clear()
{
	hasHello_ = false;
	version_ = 0;
	pid_ = 0;
	program_.clear();
	gstVersion_.clear();
	malformed_ = 0;
	ignored_ = 0;
	lines_ = 0;
	lastT_ = 0;
	graphRevision_ = 0;
	elements_.clear();
	links_.clear();
	elementIndex_.clear();
	linkIndex_.clear();
	statsCount_ = 0;
	linkStats_.clear();
	elementStats_.clear();
	cpuLoad_ = cpuSeconds_ = 0;
	threads_.clear();
	fps_.clear();
	latency_.clear();
	pool_.clear();
	threadCpu_.clear();
	cpu_.clear();
	events_.clear();
	preview_ = PreviewFrame();
	previewCount_ = 0;
	journeys_.clear();
	emit graphChanged();
	emit statsUpdated();
	emit previewUpdated();
}

bool SessionModel::ingestLine(const QByteArray &line)
{
	++lines_;
	if (line.size() > kMaxLineBytes) {
		++malformed_;
		return false;
	}
	QJsonParseError err;
	QJsonDocument doc = QJsonDocument::fromJson(line, &err);
	if (err.error != QJsonParseError::NoError || !doc.isObject()) {
		++malformed_;
		return false;
	}
	QJsonObject o = doc.object();
	QString type = o.value(QLatin1String("type")).toString();
	bool ok = false;
	if (type == QLatin1String("hello"))
		ok = ingestHello(o);
	else if (type == QLatin1String("graph"))
		ok = ingestGraph(o);
	else if (type == QLatin1String("stats"))
		ok = ingestStats(o);
	else if (type == QLatin1String("event"))
		ok = ingestEvent(o);
	else if (type == QLatin1String("preview"))
		ok = ingestPreview(o);
	else if (type == QLatin1String("journeys")) {
		ok = journeys_.ingest(o);
		if (ok)
			emit journeysUpdated();
	} else if (!type.isEmpty()) {
		/* A line type of a newer tracer: not ours to judge (protocol 1.x). */
		++ignored_;
		return true;
	}
	if (!ok)
		++malformed_;
	else if (o.contains(QLatin1String("t")))
		lastT_ = qMax(lastT_, num(o.value(QLatin1String("t"))));
	return ok;
}

bool SessionModel::ingestHello(const QJsonObject &o)
{
	if (o.value(QLatin1String("protocol")).toString() != QLatin1String("dmabufkit-tracer"))
		return false;
	hasHello_ = true;
	version_ = o.value(QLatin1String("v")).toInt(0);
	pid_ = static_cast<qint64>(num(o.value(QLatin1String("pid"))));
	program_ = o.value(QLatin1String("program")).toString();
	gstVersion_ = o.value(QLatin1String("gstreamer")).toString();
	emit helloReceived();
	return true;
}

bool SessionModel::ingestGraph(const QJsonObject &o)
{
	const QJsonValue ev = o.value(QLatin1String("elements"));
	const QJsonValue lv = o.value(QLatin1String("links"));
	if (!ev.isArray() || !lv.isArray())
		return false;
	QList<ElementInfo> elements;
	QHash<QString, int> elementIndex;
	for (const QJsonValue &v : ev.toArray()) {
		QJsonObject e = v.toObject();
		ElementInfo info;
		info.id = e.value(QLatin1String("id")).toString();
		if (info.id.isEmpty() || elementIndex.contains(info.id))
			continue;
		if (elements.size() >= kMaxElements)
			break;
		info.name = e.value(QLatin1String("name")).toString();
		info.factory = e.value(QLatin1String("factory")).toString();
		info.klass = e.value(QLatin1String("klass")).toString();
		info.parent = e.value(QLatin1String("parent")).toString();
		info.bin = e.value(QLatin1String("bin")).toBool();
		info.state = e.value(QLatin1String("state")).toString();
		info.pending = e.value(QLatin1String("pending")).toString();
		for (const QJsonValue &pv : e.value(QLatin1String("pads")).toArray()) {
			QJsonObject p = pv.toObject();
			PadInfo pad;
			pad.name = p.value(QLatin1String("name")).toString();
			if (pad.name.isEmpty())
				continue;
			pad.direction = p.value(QLatin1String("dir")).toString();
			pad.caps = p.value(QLatin1String("caps")).toString();
			pad.peer = p.value(QLatin1String("peer")).toString();
			info.pads.append(pad);
		}
		info.properties = e.value(QLatin1String("properties")).toObject().toVariantMap();
		elementIndex.insert(info.id, elements.size());
		elements.append(info);
	}
	QList<LinkInfo> links;
	QHash<QString, int> linkIndex;
	for (const QJsonValue &v : lv.toArray()) {
		QJsonObject l = v.toObject();
		LinkInfo info;
		info.id = l.value(QLatin1String("id")).toString();
		info.src = l.value(QLatin1String("src")).toString();
		info.sink = l.value(QLatin1String("sink")).toString();
		/* A link must join two known elements. */
		if (info.id.isEmpty() || linkIndex.contains(info.id) ||
		    !elementIndex.contains(info.src) || !elementIndex.contains(info.sink))
			continue;
		info.srcPad = l.value(QLatin1String("src_pad")).toString();
		info.sinkPad = l.value(QLatin1String("sink_pad")).toString();
		info.caps = l.value(QLatin1String("caps")).toString();
		linkIndex.insert(info.id, links.size());
		links.append(info);
	}
	elements_ = std::move(elements);
	elementIndex_ = std::move(elementIndex);
	links_ = std::move(links);
	linkIndex_ = std::move(linkIndex);
	++graphRevision_;
	emit graphChanged();
	return true;
}

void SessionModel::append(Series &s, double t, double v)
{
	if (!s.isEmpty() && t < s.last().x())
		return; /* out of order: ignore */
	s.append(QPointF(t, v));
	if (s.size() > kMaxSeriesPoints)
		s.remove(0, s.size() - kMaxSeriesPoints);
}

bool SessionModel::ingestStats(const QJsonObject &o)
{
	if (!o.value(QLatin1String("links")).isArray() ||
	    !o.value(QLatin1String("elements")).isArray())
		return false;
	double t = num(o.value(QLatin1String("t")));
	QJsonObject cpu = o.value(QLatin1String("cpu")).toObject();
	cpuLoad_ = num(cpu.value(QLatin1String("load")));
	cpuSeconds_ = num(cpu.value(QLatin1String("process_s")));
	append(cpu_, t, cpuLoad_ * 100.0);
	threads_.clear();
	for (const QJsonValue &v : cpu.value(QLatin1String("threads")).toArray()) {
		QJsonObject th = v.toObject();
		ThreadCpu tc;
		tc.tid = th.value(QLatin1String("tid")).toInt();
		tc.name = th.value(QLatin1String("name")).toString().left(64);
		tc.cpuSeconds = num(th.value(QLatin1String("cpu_s")));
		tc.load = num(th.value(QLatin1String("load")));
		threads_.append(tc);
		if (threads_.size() > 256)
			break;
		if (threadCpu_.size() < 64 || threadCpu_.contains(tc.name))
			append(threadCpu_[tc.name], t, tc.load * 100.0);
	}
	for (const QJsonValue &v : o.value(QLatin1String("links")).toArray()) {
		QJsonObject l = v.toObject();
		QString id = l.value(QLatin1String("id")).toString();
		if (id.isEmpty() || (!linkIndex_.contains(id) && linkStats_.size() >= kMaxElements))
			continue;
		LinkStats s;
		s.t = t;
		s.buffers = count(l.value(QLatin1String("buffers")));
		s.bytes = count(l.value(QLatin1String("bytes")));
		s.fps = num(l.value(QLatin1String("fps")));
		s.bps = num(l.value(QLatin1String("bps")));
		s.kind = linkKindFromName(l.value(QLatin1String("kind")).toString());
		s.kinds = l.value(QLatin1String("kinds")).toObject().toVariantMap();
		s.inodes = count(l.value(QLatin1String("inodes")));
		s.copied = l.value(QLatin1String("copied")).toBool();
		s.exporter = l.value(QLatin1String("exporter")).toString();
		for (const QJsonValue &n : l.value(QLatin1String("names")).toArray())
			s.names.append(n.toString());
		s.allocation = l.value(QLatin1String("allocation")).toObject().toVariantMap();
		s.pool = l.value(QLatin1String("pool")).toObject().toVariantMap();
		linkStats_.insert(id, s);
		append(fps_[id], t, s.fps);
		QJsonObject dbk = l.value(QLatin1String("pool"))
					  .toObject()
					  .value(QLatin1String("dmabufkit"))
					  .toObject();
		if (dbk.contains(QLatin1String("in-flight")))
			append(pool_[id], t, num(dbk.value(QLatin1String("in-flight"))));
	}
	for (const QJsonValue &v : o.value(QLatin1String("elements")).toArray()) {
		QJsonObject e = v.toObject();
		QString id = e.value(QLatin1String("id")).toString();
		if (id.isEmpty() ||
		    (!elementIndex_.contains(id) && elementStats_.size() >= kMaxElements))
			continue;
		ElementStats s;
		s.t = t;
		s.buffersIn = count(e.value(QLatin1String("buffers_in")));
		QJsonObject lat = e.value(QLatin1String("latency")).toObject();
		s.latencyAvgUs = num(lat.value(QLatin1String("avg_us")));
		s.latencyIntervalUs = num(lat.value(QLatin1String("interval_avg_us")));
		s.latencyMaxUs = num(lat.value(QLatin1String("interval_max_us")));
		QJsonObject copy = e.value(QLatin1String("copy")).toObject();
		s.copies = count(copy.value(QLatin1String("count")));
		s.copyRate = num(copy.value(QLatin1String("rate")));
		s.copyReason = copy.value(QLatin1String("reason")).toString();
		QJsonObject perf = e.value(QLatin1String("performance")).toObject();
		s.performance = count(perf.value(QLatin1String("count")));
		s.lastPerformance = perf.value(QLatin1String("last")).toString();
		s.qos = count(e.value(QLatin1String("qos")));
		s.counters = e.value(QLatin1String("counters")).toObject().toVariantMap();
		s.stats = e.value(QLatin1String("stats")).toObject().toVariantMap();
		/* Pool statistics our elements expose ("pool-stats" and the like). */
		for (auto it = s.stats.constBegin(); it != s.stats.constEnd(); ++it) {
			QVariantMap st = it.value().toMap();
			if (st.contains(QStringLiteral("in-flight")) && pool_.size() < kMaxElements)
				append(pool_[id + ' ' + it.key()], t,
				       st.value(QStringLiteral("in-flight")).toDouble());
		}
		elementStats_.insert(id, s);
		if (lat.contains(QLatin1String("interval_avg_us")))
			append(latency_[id], t, s.latencyIntervalUs);
	}
	++statsCount_;
	emit statsUpdated();
	return true;
}

bool SessionModel::ingestEvent(const QJsonObject &o)
{
	SessionEvent e;
	e.t = num(o.value(QLatin1String("t")));
	e.what = o.value(QLatin1String("what")).toString();
	if (e.what.isEmpty())
		return false;
	e.element = o.value(QLatin1String("element")).toString();
	if (e.what == QLatin1String("state-changed"))
		e.text = o.value(QLatin1String("from")).toString() + QStringLiteral(" → ") +
			 o.value(QLatin1String("to")).toString();
	else if (e.what == QLatin1String("linked") || e.what == QLatin1String("unlinked"))
		e.text = o.value(QLatin1String("src")).toString() + QStringLiteral(" → ") +
			 o.value(QLatin1String("sink")).toString();
	else
		e.text = o.value(QLatin1String("message")).toString().left(2000);
	events_.append(e);
	if (events_.size() > kMaxEvents)
		events_.removeFirst();
	emit eventAdded(e);
	return true;
}

bool SessionModel::ingestPreview(const QJsonObject &o)
{
	if (o.value(QLatin1String("format")).toString() != QLatin1String("rgb888"))
		return false;
	/* Sizes first, from hostile input: only then is the data decoded. */
	const double w = num(o.value(QLatin1String("width")));
	const double h = num(o.value(QLatin1String("height")));
	if (w < 1 || h < 1 || w > kMaxPreviewSide || h > kMaxPreviewSide || w != std::floor(w) ||
	    h != std::floor(h))
		return false;
	const qsizetype bytes = qsizetype(w) * qsizetype(h) * 3;
	const QJsonValue dv = o.value(QLatin1String("data"));
	if (!dv.isString())
		return false;
	const QString data = dv.toString();
	if (data.size() != (bytes + 2) / 3 * 4)
		return false;
	auto decoded = QByteArray::fromBase64Encoding(data.toLatin1(),
						      QByteArray::AbortOnBase64DecodingErrors);
	if (!decoded || decoded.decoded.size() != bytes)
		return false;
	PreviewFrame p;
	p.t = num(o.value(QLatin1String("t")));
	p.link = o.value(QLatin1String("link")).toString().left(1024);
	p.element = o.value(QLatin1String("element")).toString().left(1024);
	p.pad = o.value(QLatin1String("pad")).toString().left(256);
	p.pts = o.value(QLatin1String("pts")).isDouble()
			? static_cast<qint64>(count(o.value(QLatin1String("pts"))))
			: -1;
	QJsonObject src = o.value(QLatin1String("source")).toObject();
	p.sourceFormat = src.value(QLatin1String("format")).toString().left(64);
	p.sourceWidth =
		static_cast<int>(qMin<quint64>(count(src.value(QLatin1String("width"))), 1 << 20));
	p.sourceHeight =
		static_cast<int>(qMin<quint64>(count(src.value(QLatin1String("height"))), 1 << 20));
	p.width = int(w);
	p.height = int(h);
	p.rgb = std::move(decoded.decoded);
	preview_ = std::move(p);
	++previewCount_;
	emit previewUpdated();
	return true;
}

const ElementInfo *SessionModel::element(const QString &id) const
{
	auto it = elementIndex_.constFind(id);
	return it == elementIndex_.constEnd() ? nullptr : &elements_[*it];
}

const LinkInfo *SessionModel::link(const QString &id) const
{
	auto it = linkIndex_.constFind(id);
	return it == linkIndex_.constEnd() ? nullptr : &links_[*it];
}

QList<const ElementInfo *> SessionModel::leafElements() const
{
	QList<const ElementInfo *> out;
	for (const ElementInfo &e : elements_)
		if (!e.bin)
			out.append(&e);
	return out;
}

QJsonObject SessionModel::summary() const
{
	QJsonObject o;
	o.insert(QStringLiteral("hello"), hasHello_);
	o.insert(QStringLiteral("version"), version_);
	o.insert(QStringLiteral("graph_revision"), static_cast<double>(graphRevision_));
	o.insert(QStringLiteral("stats_count"), static_cast<double>(statsCount_));
	o.insert(QStringLiteral("malformed_lines"), static_cast<double>(malformed_));
	o.insert(QStringLiteral("cpu_load"), cpuLoad_);
	QJsonArray elements;
	for (const ElementInfo &e : elements_) {
		QJsonObject j;
		j.insert(QStringLiteral("id"), e.id);
		j.insert(QStringLiteral("factory"), e.factory);
		j.insert(QStringLiteral("state"), e.state);
		j.insert(QStringLiteral("bin"), e.bin);
		ElementStats s = elementStats_.value(e.id);
		j.insert(QStringLiteral("copies"), static_cast<double>(s.copies));
		j.insert(QStringLiteral("copy_reason"), s.copyReason);
		j.insert(QStringLiteral("latency_us"), s.latencyAvgUs);
		j.insert(QStringLiteral("performance"), static_cast<double>(s.performance));
		j.insert(QStringLiteral("counters"), QJsonObject::fromVariantMap(s.counters));
		const QString decision = s.allocationDecision();
		if (!decision.isEmpty())
			j.insert(QStringLiteral("allocation_decision"), decision);
		elements.append(j);
	}
	o.insert(QStringLiteral("elements"), elements);
	QJsonArray links;
	for (const LinkInfo &l : links_) {
		QJsonObject j;
		j.insert(QStringLiteral("id"), l.id);
		j.insert(QStringLiteral("src"), l.src);
		j.insert(QStringLiteral("sink"), l.sink);
		j.insert(QStringLiteral("caps"), l.caps);
		LinkStats s = linkStats_.value(l.id);
		j.insert(QStringLiteral("kind"), linkKindName(s.kind));
		j.insert(QStringLiteral("buffers"), static_cast<double>(s.buffers));
		j.insert(QStringLiteral("fps"), s.fps);
		j.insert(QStringLiteral("bps"), s.bps);
		j.insert(QStringLiteral("copied"), s.copied);
		j.insert(QStringLiteral("inodes"), static_cast<double>(s.inodes));
		j.insert(QStringLiteral("exporter"), s.exporter);
		j.insert(QStringLiteral("names"), QJsonArray::fromStringList(s.names));
		double maxFps = 0;
		for (const QPointF &p : fps_.value(l.id))
			maxFps = qMax(maxFps, p.y());
		j.insert(QStringLiteral("max_fps"), maxFps);
		links.append(j);
	}
	o.insert(QStringLiteral("links"), links);
	if (hasPreview()) {
		/* The mean colour says what the picture shows without pixels in the dump. */
		double sum[3] = {};
		for (qsizetype i = 0; i < preview_.rgb.size(); ++i)
			sum[i % 3] += static_cast<uchar>(preview_.rgb[i]);
		const double n = qMax<qsizetype>(1, preview_.rgb.size() / 3);
		o.insert(QStringLiteral("preview"),
			 QJsonObject{ { "count", static_cast<double>(previewCount_) },
				      { "t", preview_.t },
				      { "link", preview_.link },
				      { "element", preview_.element },
				      { "source_format", preview_.sourceFormat },
				      { "source_width", preview_.sourceWidth },
				      { "source_height", preview_.sourceHeight },
				      { "width", preview_.width },
				      { "height", preview_.height },
				      { "mean_rgb",
					QJsonArray{ sum[0] / n, sum[1] / n, sum[2] / n } } });
	}
	o.insert(QStringLiteral("ignored_lines"), static_cast<double>(ignored_));
	if (!journeys_.journeys().isEmpty()) {
		/* The most complete journey, slice by slice. */
		QList<JourneySlice> best;
		quint64 bestFrame = 0;
		for (const Journey &j : journeys_.journeys()) {
			QList<JourneySlice> sl = JourneyStore::slices(j, links_);
			if (sl.size() > best.size()) {
				best = sl;
				bestFrame = j.frame;
			}
		}
		QJsonArray slices;
		for (const JourneySlice &s : best)
			slices.append(QJsonObject{ { "element", s.element },
						   { "begin", s.begin },
						   { "end", s.end },
						   { "in_link", s.inLink },
						   { "out_link", s.outLink },
						   { "inode", double(s.inode) },
						   { "exporter", s.exporter },
						   { "name", s.name } });
		o.insert(QStringLiteral("journeys"),
			 QJsonObject{ { "sampling", journeys_.sampling() },
				      { "frames", journeys_.journeys().size() },
				      { "lost", double(journeys_.lost()) },
				      { "frame", double(bestFrame) },
				      { "slices", slices } });
	}
	QJsonArray findings;
	for (const Finding &f : findFindings(*this))
		findings.append(f.toJson());
	o.insert(QStringLiteral("findings"), findings);
	return o;
}

QString ElementStats::allocationDecision() const
{
	/* dmabufkit pools say why they chose their exporter ("pool-stats"). */
	for (auto it = stats.constBegin(); it != stats.constEnd(); ++it) {
		const QString d = it.value().toMap().value(QStringLiteral("decision")).toString();
		if (!d.isEmpty())
			return d;
	}
	return {};
}

} /* namespace dbkviewer */

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The copy rules and the ordering; the other rules are in findings_rules.cpp. */
#include "findings.h"

#include <QRegularExpression>

#include <algorithm>

#include "findings_rules.h"
#include "session_model.h"

namespace dbkviewer {

QString severityName(Finding::Severity s)
{
	switch (s) {
	case Finding::Severity::Error:
		return QStringLiteral("error");
	case Finding::Severity::Copy:
		return QStringLiteral("copy");
	case Finding::Severity::Warning:
		break;
	}
	return QStringLiteral("warning");
}

QJsonObject Finding::toJson() const
{
	return QJsonObject{ { "severity", severityName(severity) },
			    { "kind", kind },
			    { "element", element },
			    { "link", link },
			    { "title", title },
			    { "cause", cause },
			    { "fix", fix },
			    { "count", count } };
}

QString capsField(const QString &caps, const QString &field)
{
	QRegularExpression re(QStringLiteral("(?:^|[ ,])%1=(?:\\([a-z]+\\))?([^,;]+)")
				      .arg(QRegularExpression::escape(field)));
	QRegularExpressionMatch m = re.match(caps);
	return m.hasMatch() ? m.captured(1).trimmed() : QString();
}

namespace findings {

QString shortName(const SessionModel &m, const QString &id)
{
	const ElementInfo *e = m.element(id);
	return e && !e->name.isEmpty() ? e->name : id.section('/', -1);
}

const LinkInfo *inputLink(const SessionModel &m, const QString &element)
{
	for (const LinkInfo &l : m.links())
		if (l.sink == element)
			return &l;
	return nullptr;
}

const LinkInfo *outputLink(const SessionModel &m, const QString &element)
{
	for (const LinkInfo &l : m.links())
		if (l.src == element)
			return &l;
	return nullptr;
}

static bool isRgb(const QString &f)
{
	static const QStringList rgb{ "BGRx", "BGRA", "RGBx", "RGBA", "xRGB", "ARGB",
				      "xBGR", "ABGR", "RGB",  "BGR",  "RGB16" };
	return rgb.contains(f);
}

static QString formatClass(const QString &f)
{
	if (f.isEmpty())
		return {};
	if (f.startsWith(QLatin1String("GRAY")))
		return QStringLiteral("grey");
	return isRgb(f) ? QStringLiteral("RGB") : QStringLiteral("YUV");
}

static QString describeLink(const SessionModel &m, const LinkInfo *l)
{
	if (!l)
		return QStringLiteral("(no link)");
	const LinkStats s = m.linkStats(l->id);
	QString d = linkKindName(s.kind);
	if (s.kind == LinkKind::DmaBuf && !s.exporter.isEmpty())
		d += QStringLiteral(" from %1").arg(s.exporter);
	const QString fmt = capsField(l->caps, QStringLiteral("format"));
	if (!fmt.isEmpty())
		d += QStringLiteral(", %1 %2x%3")
			     .arg(fmt, capsField(l->caps, QStringLiteral("width")),
				  capsField(l->caps, QStringLiteral("height")));
	return d + QStringLiteral(" on ") + l->id.section('/', -1);
}

static QString allocatorsOf(const LinkStats &s)
{
	const QStringList a = s.allocation.value(QStringLiteral("allocators")).toStringList();
	return a.isEmpty() ? QString() : a.join(QStringLiteral(", "));
}

/* What dmabufcpufilter converts (docs/elements.md): YUV to RGB and gray, RGB and gray among
 * themselves. */
static bool cpuFilterConverts(const QString &in, const QString &out)
{
	static const QStringList formats{ "YUY2", "UYVY", "NV12", "I420",  "BGRx",
					  "BGRA", "xRGB", "ARGB", "RGB16", "GRAY8" };
	return formats.contains(in) && formats.contains(out) && formatClass(out) != "YUV";
}

/* The element that made a link's buffers: through capsfilters, queues and tees. */
static QString producerOf(const SessionModel &m, const LinkInfo *l)
{
	static const QStringList passing{ "capsfilter", "queue", "queue2", "identity", "tee" };
	for (int depth = 0; l && depth < 32; ++depth) {
		const ElementInfo *e = m.element(l->src);
		if (!e || !passing.contains(e->factory))
			break;
		l = inputLink(m, l->src);
	}
	return l ? l->src : QString();
}

static const QStringList kConverters{ "videoconvert", "videoscale", "videoconvertscale",
				      "autovideoconvert", "videorate" };

/* One copy finding per element: measured from memory, or said by the element itself. */
void copyFindings(const SessionModel &m, QList<Finding> &out)
{
	for (const ElementInfo *e : m.leafElements()) {
		const ElementStats s = m.elementStats(e->id);
		const bool perfCopy =
			s.performance > 0 && s.lastPerformance.contains(QLatin1String("cop"));
		if (s.copies == 0 && !perfCopy)
			continue;
		const QString name = shortName(m, e->id);
		const LinkInfo *in = inputLink(m, e->id), *outl = outputLink(m, e->id);
		const LinkStats outStats = outl ? m.linkStats(outl->id) : LinkStats();
		Finding f;
		f.element = e->id;
		f.link = outl ? outl->id : QString();
		f.count = s.copies ? double(s.copies) : double(s.performance);
		const QString inFmt =
			in ? capsField(in->caps, QStringLiteral("format")) : QString();
		const QString outFmt =
			outl ? capsField(outl->caps, QStringLiteral("format")) : QString();
		/* What the tracer saw around the element. */
		QString detail = QStringLiteral("in: %1; out: %2")
					 .arg(describeLink(m, in), describeLink(m, outl));
		if (const QString a = allocatorsOf(outStats); !a.isEmpty())
			detail += QStringLiteral("; allocators offered downstream: %1").arg(a);
		if (s.performance > 0)
			detail += QStringLiteral("; GST_PERFORMANCE (%1): \"%2\"")
					  .arg(s.performance)
					  .arg(s.lastPerformance);
		if (s.copyReason.startsWith(QLatin1String("dma-buf in"))) {
			f.severity = Finding::Severity::Copy;
			f.kind = QStringLiteral("copy");
			f.title = QStringLiteral("%1 maps dma-bufs into %2 memory")
					  .arg(name, linkKindName(outStats.kind));
			f.cause = QStringLiteral("dma-bufs in, new %1 memory out (%2 frames); %3")
					  .arg(linkKindName(outStats.kind))
					  .arg(s.copies)
					  .arg(detail);
			if (kConverters.contains(e->factory) && cpuFilterConverts(inFmt, outFmt) &&
			    inFmt != outFmt)
				f.fix = QStringLiteral("use dmabufcpufilter for %1→%2 (%3→%4): it "
						       "converts dma-buf to dma-buf")
						.arg(inFmt, outFmt, formatClass(inFmt),
						     formatClass(outFmt));
			else if (kConverters.contains(e->factory) && inFmt != outFmt)
				f.fix = QStringLiteral(
						"no dma-buf element converts %1→%2 (%3→%4): let "
						"the consumer take %1 (drop the caps that ask "
						"for %2), or produce %2 upstream")
						.arg(inFmt, outFmt, formatClass(inFmt),
						     formatClass(outFmt));
			else if (kConverters.contains(e->factory))
				f.fix = QStringLiteral(
						"use dmabufcpufilter operation=scale (or remove "
						"%1: the format does not change)")
						.arg(name);
			else
				f.fix = QStringLiteral("replace %1 with an element that works on "
						       "dma-bufs (a dmabufkit element), or move it "
						       "where the memory is system memory anyway")
						.arg(name);
		} else if (s.copyReason.startsWith(QLatin1String("system memory in"))) {
			f.severity = Finding::Severity::Warning;
			f.kind = QStringLiteral("upload");
			const QString producer =
				in ? shortName(m, producerOf(m, in)) : QStringLiteral("?");
			f.title = QStringLiteral("%1 copies system memory into dma-bufs").arg(name);
			f.cause = QStringLiteral("%1 produces system memory; %2 copies every frame "
						 "(%3) into dma-bufs: %4")
					  .arg(producer, name)
					  .arg(s.copies)
					  .arg(detail);
			f.fix = QStringLiteral(
					"have %1 write into dma-bufs (a dmabufkit source such as "
					"dmabufv4l2src, or a producer that uses the pool "
					"proposed downstream); the upload is the price of a "
					"system-memory source")
					.arg(producer);
		} else if (s.copies > 0) {
			f.severity = Finding::Severity::Copy;
			f.kind = QStringLiteral("copy");
			const bool afterTee = in && m.element(in->src) &&
					      m.element(in->src)->factory == QLatin1String("tee");
			f.title =
				QStringLiteral("%1 copies every frame (caps unchanged)").arg(name);
			f.cause =
				QStringLiteral("new memory out while the caps stay the same (%1 "
					       "frames)%2; %3")
					.arg(s.copies)
					.arg(afterTee ? QStringLiteral(" right after a tee: its "
								       "buffers are shared, so an "
								       "in-place element must copy")
						      : QString())
					.arg(detail);
			f.fix = afterTee ? QStringLiteral("move %1 before the tee, or let it work "
							  "without writing (in place needs a "
							  "writable buffer)")
						   .arg(name)
					 : QStringLiteral("%1 could pass frames through: check its "
							  "properties, or remove it")
						   .arg(name);
		} else {
			f.severity = Finding::Severity::Copy;
			f.kind = QStringLiteral("performance-copy");
			f.title = QStringLiteral("%1 says it copies frames (GST_PERFORMANCE)")
					  .arg(name);
			f.cause = QStringLiteral("%1 logged %2 GST_PERFORMANCE messages about "
						 "copying, the last \"%3\"; in: %4; out: %5")
					  .arg(name)
					  .arg(s.performance)
					  .arg(s.lastPerformance, describeLink(m, in),
					       describeLink(m, outl));
			f.fix = QStringLiteral(
					"give %1 memory it can use as is (see the ALLOCATION "
					"query on its input in the inspector), or replace it with "
					"a dmabufkit element that works on dma-bufs")
					.arg(name);
		}
		out.append(f);
	}
}

} /* namespace findings */

QList<Finding> findFindings(const SessionModel &model)
{
	QList<Finding> out;
	findings::errorFindings(model, out);
	findings::copyFindings(model, out);
	findings::importFindings(model, out);
	findings::poolFindings(model, out);
	findings::lateFindings(model, out);
	findings::kindChangeFindings(model, out);
	std::stable_sort(out.begin(), out.end(), [](const Finding &a, const Finding &b) {
		if (a.severity != b.severity)
			return a.severity < b.severity;
		return a.count > b.count;
	});
	return out;
}

} /* namespace dbkviewer */

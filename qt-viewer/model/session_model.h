/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The viewer's model of a traced pipeline, fed with tracer protocol lines
 * (docs/tracer-protocol.md). Pure Qt Core: no widgets, no sockets, so it is
 * tested directly from recorded sessions. Malformed input is counted and
 * ignored; it never throws or crashes.
 */
#pragma once

#include <QHash>
#include <QJsonObject>
#include <QList>
#include <QObject>
#include <QPointF>
#include <QString>
#include <QStringList>
#include <QVariantMap>
#include <QVector>

#include "journeys.h"

namespace dbkviewer {

enum class LinkKind { Unknown, DmaBuf, Memfd, Fd, System };
QString linkKindName(LinkKind k);
LinkKind linkKindFromName(const QString &s);

struct PadInfo {
	QString name;
	QString direction; /* "src" or "sink" */
	QString caps;
	QString peer; /* "element-id:pad" */
};

struct ElementInfo {
	QString id;
	QString name;
	QString factory;
	QString klass;
	QString parent;
	bool bin = false;
	QString state;
	QString pending;
	QList<PadInfo> pads;
	QVariantMap properties;
};

struct LinkInfo {
	QString id; /* "src-element-id:src-pad" */
	QString src;
	QString srcPad;
	QString sink;
	QString sinkPad;
	QString caps;
};

struct LinkStats {
	double t = 0;
	quint64 buffers = 0;
	quint64 bytes = 0;
	double fps = 0;
	double bps = 0;
	LinkKind kind = LinkKind::Unknown;
	QVariantMap kinds;
	quint64 inodes = 0;
	bool copied = false;
	QString exporter;
	QStringList names;
	QVariantMap allocation;
	QVariantMap pool;
};

struct ElementStats {
	double t = 0;
	quint64 buffersIn = 0;
	double latencyAvgUs = 0;
	double latencyIntervalUs = 0;
	double latencyMaxUs = 0;
	quint64 copies = 0;
	double copyRate = 0;
	QString copyReason;
	quint64 performance = 0;
	QString lastPerformance;
	quint64 qos = 0;
	QVariantMap counters;
	QVariantMap stats;

	/** \brief Why the element's dmabufkit pool chose its exporter, if it has one. */
	QString allocationDecision() const;
};

struct ThreadCpu {
	int tid = 0;
	QString name;
	double cpuSeconds = 0;
	double load = 0;
};

struct SessionEvent {
	double t = 0;
	QString what;
	QString element;
	QString text;
};

/* The newest live preview: a small RGB888 picture of the frames on one link. */
struct PreviewFrame {
	double t = 0;
	QString link;	 /* the link's id */
	QString element; /* the element it feeds */
	QString pad;
	qint64 pts = -1;
	QString sourceFormat;
	int sourceWidth = 0;
	int sourceHeight = 0;
	int width = 0;
	int height = 0;
	QByteArray rgb; /* width * height * 3 bytes, rows packed */
};

/* A time series, bounded: old points are dropped. */
using Series = QVector<QPointF>;

class SessionModel : public QObject
{
	Q_OBJECT
public:
	static constexpr int kMaxLineBytes = 8 * 1024 * 1024;
	static constexpr int kMaxSeriesPoints = 3600;
	static constexpr int kMaxEvents = 5000;
	static constexpr int kMaxElements = 4096;
	static constexpr int kProtocolVersion = 1;
	/* The tracer sends at most 160x120; anything up to this is drawn. */
	static constexpr int kMaxPreviewSide = 1024;

	explicit SessionModel(QObject *parent = nullptr);

	/* One protocol line; false when it was not understood (counted). */
	bool ingestLine(const QByteArray &line);
	/* Forget everything (a new connection or a replay seek). */
	void clear();

	/* Protocol */
	bool hasHello() const { return hasHello_; }
	int protocolVersion() const { return version_; }
	qint64 pid() const { return pid_; }
	QString program() const { return program_; }
	QString gstreamerVersion() const { return gstVersion_; }
	quint64 malformedLines() const { return malformed_; }
	/* Well-formed lines of a type this viewer does not know (a newer tracer). */
	quint64 ignoredLines() const { return ignored_; }
	quint64 linesIngested() const { return lines_; }
	double lastTime() const { return lastT_; }

	/* Graph */
	quint64 graphRevision() const { return graphRevision_; }
	const QList<ElementInfo> &elements() const { return elements_; }
	const QList<LinkInfo> &links() const { return links_; }
	const ElementInfo *element(const QString &id) const;
	const LinkInfo *link(const QString &id) const;
	/* Elements drawn as nodes: not bins. */
	QList<const ElementInfo *> leafElements() const;

	/* Latest stats */
	quint64 statsCount() const { return statsCount_; }
	LinkStats linkStats(const QString &linkId) const { return linkStats_.value(linkId); }
	bool hasLinkStats(const QString &linkId) const { return linkStats_.contains(linkId); }
	ElementStats elementStats(const QString &id) const { return elementStats_.value(id); }
	double processCpuLoad() const { return cpuLoad_; }
	double processCpuSeconds() const { return cpuSeconds_; }
	const QList<ThreadCpu> &threads() const { return threads_; }

	/* History */
	Series fpsSeries(const QString &linkId) const { return fps_.value(linkId); }
	Series latencySeries(const QString &elementId) const { return latency_.value(elementId); }
	/* Buffers in flight of dmabufkit pools, keyed by link id or "element-id property". */
	Series poolSeries(const QString &key) const { return pool_.value(key); }
	QStringList poolSeriesNames() const { return pool_.keys(); }
	Series cpuSeries() const { return cpu_; }
	Series threadCpuSeries(const QString &name) const { return threadCpu_.value(name); }
	QStringList threadNames() const { return threadCpu_.keys(); }
	const QList<SessionEvent> &events() const { return events_; }

	/* Live preview */
	bool hasPreview() const { return previewCount_ > 0; }
	quint64 previewCount() const { return previewCount_; }
	const PreviewFrame &preview() const { return preview_; }

	/* Frame journeys (the tracer's journeys= parameter) */
	const JourneyStore &journeys() const { return journeys_; }

	/* A compact JSON summary of the current state (for tests and --dump-model). */
	QJsonObject summary() const;

signals:
	void helloReceived();
	void graphChanged();
	void statsUpdated();
	void eventAdded(const SessionEvent &event);
	void previewUpdated();
	void journeysUpdated();

private:
	bool ingestHello(const QJsonObject &o);
	bool ingestGraph(const QJsonObject &o);
	bool ingestStats(const QJsonObject &o);
	bool ingestEvent(const QJsonObject &o);
	bool ingestPreview(const QJsonObject &o);
	static void append(Series &s, double t, double v);

	bool hasHello_ = false;
	int version_ = 0;
	qint64 pid_ = 0;
	QString program_;
	QString gstVersion_;
	quint64 malformed_ = 0;
	quint64 ignored_ = 0;
	quint64 lines_ = 0;
	double lastT_ = 0;

	quint64 graphRevision_ = 0;
	QList<ElementInfo> elements_;
	QList<LinkInfo> links_;
	QHash<QString, int> elementIndex_;
	QHash<QString, int> linkIndex_;

	quint64 statsCount_ = 0;
	QHash<QString, LinkStats> linkStats_;
	QHash<QString, ElementStats> elementStats_;
	double cpuLoad_ = 0;
	double cpuSeconds_ = 0;
	QList<ThreadCpu> threads_;

	QHash<QString, Series> fps_;
	QHash<QString, Series> latency_;
	QHash<QString, Series> pool_;
	QMap<QString, Series> threadCpu_;
	Series cpu_;
	QList<SessionEvent> events_;
	PreviewFrame preview_;
	quint64 previewCount_ = 0;
	JourneyStore journeys_;
};

} /* namespace dbkviewer */

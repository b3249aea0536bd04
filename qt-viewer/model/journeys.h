/* SPDX-License-Identifier: LGPL-2.1-or-later */
/**
 * \file journeys.h
 * \brief Frame journeys (the tracer's "journeys" lines): for sampled frames,
 * when each crossed every link and which dma-buf carried it; turned into
 * one slice per element (entered, left) and exported as Chrome trace-event
 * JSON (Perfetto, chrome://tracing). Pure Qt Core.
 */
#pragma once

#include <QJsonObject>
#include <QList>
#include <QMap>
#include <QString>

namespace dbkviewer {

struct LinkInfo;

/** \brief One crossing of a link, as the tracer sent it. */
struct JourneyHop {
	QString link;	   /**< the link's id (its source pad) */
	bool done = false; /**< false: pushed into the consumer; true: the push returned */
	double t = 0;	   /**< seconds since the tracer started */
	quint64 inode = 0; /**< the dma-buf carrying the frame, 0 when not a dma-buf */
	QString exporter;
	QString name;
};

/** \brief The time a frame spent in one element. */
struct JourneySlice {
	QString element;
	double begin = 0; /**< entered (pushed into it); a source: when it pushed the frame */
	double end = 0;	  /**< left (pushed out), or, at the end of the path, given back */
	QString inLink;
	QString outLink;
	quint64 inode = 0; /**< the dma-buf it passed on (or, at the end, received) */
	QString exporter;
	QString name;
};

struct Journey {
	quint64 frame = 0;
	quint64 pts = 0;
	QList<JourneyHop> hops;
};

class JourneyStore
{
public:
	static constexpr int kMaxFrames = 512;

	/** \brief Reads one "journeys" line; false when it is not one. */
	bool ingest(const QJsonObject &line);
	void clear();
	int sampling() const { return every_; }
	quint64 lost() const { return lost_; }
	const QMap<quint64, Journey> &journeys() const { return journeys_; }

	/**
	 * \brief The slices of \a j in path order: by the time the frame entered
	 * each element, ties broken by the elements' order in the graph.
	 */
	static QList<JourneySlice> slices(const Journey &j, const QList<LinkInfo> &links);

	/**
	 * \brief Every journey as Chrome trace-event JSON: one track (thread) per
	 * element (more when a frame overlaps another in it), a B/E pair per
	 * slice, and a flow (s, t, f) linking each frame's slices.
	 */
	QJsonObject chromeTrace(const QList<LinkInfo> &links, const QString &process) const;

private:
	QMap<quint64, Journey> journeys_;
	int every_ = 0;
	quint64 lost_ = 0;
};

} /* namespace dbkviewer */

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A recorded session: the protocol lines with their times, as the tracer
 * writes them with endpoint=file:PATH or the viewer saves them. Replaying to
 * time T feeds a SessionModel every line up to T.
 */
#pragma once

#include <QByteArray>
#include <QIODevice>
#include <QString>
#include <QVector>

namespace dbkviewer {

class SessionModel;

class SessionRecording
{
public:
	struct Line {
		double t;
		QByteArray text;
	};

	void clear() { lines_.clear(); }
	/* Keeps the line, with the last known time when it carries none. */
	void append(const QByteArray &line);
	bool load(const QString &path, QString *error);
	bool save(const QString &path, QString *error) const;

	int size() const { return lines_.size(); }
	double startTime() const { return lines_.isEmpty() ? 0 : lines_.first().t; }
	double endTime() const { return lines_.isEmpty() ? 0 : lines_.last().t; }
	const QVector<Line> &lines() const { return lines_; }

	/* Clear @model and feed it every line up to time @t; returns lines fed. */
	int replayTo(SessionModel &model, double t) const;

private:
	QVector<Line> lines_;
	double lastT_ = 0;
};

} /* namespace dbkviewer */

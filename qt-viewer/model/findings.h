/* SPDX-License-Identifier: LGPL-2.1-or-later */
/**
 * \file findings.h
 * \brief The viewer's answers: each problem the tracer saw in a session,
 * with where it is (an element or a link), why it happens (from what the
 * tracer measured: memory kinds, caps, allocators, GST_PERFORMANCE messages,
 * allocation decisions) and what to do about it, most important first.
 *
 * Pure rules over the model (Qt Core, no widgets): the Findings panel and
 * the `findings` array of `--dump-model` show the same list.
 */
#pragma once

#include <QJsonObject>
#include <QList>
#include <QString>

namespace dbkviewer {

class SessionModel;

/** \brief One problem, ordered by severity then count. */
struct Finding {
	enum class Severity {
		Error = 0,   /**< the pipeline failed */
		Copy = 1,    /**< zero-copy broken: a frame was copied */
		Warning = 2, /**< cost or risk: a refused import, a starving pool, late frames */
	};
	Severity severity = Severity::Warning;
	/** \brief "error", "copy", "upload", "performance-copy", "import-refused",
	 * "pool-starved", "late-frames", "dropped-frames", "kind-changed". */
	QString kind;
	QString element; /**< element id, or empty */
	QString link;	 /**< link id (its source pad), or empty */
	QString title;	 /**< one line: what happens where */
	QString cause;	 /**< why, from what the tracer saw */
	QString fix;	 /**< what to do */
	double count = 0;

	QJsonObject toJson() const;
};

QString severityName(Finding::Severity s);

/** \brief Every finding in the model's current state, most important first. */
QList<Finding> findFindings(const SessionModel &model);

/** \brief A caps string's field, e.g. capsField("video/x-raw, format=(string)NV12", "format"). */
QString capsField(const QString &caps, const QString &field);

} /* namespace dbkviewer */

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The rules behind findFindings() (findings.h), one function per kind of problem. */
#pragma once

#include <QList>
#include <QString>
#include <QStringList>

#include "findings.h"

namespace dbkviewer {

struct LinkInfo;

namespace findings {

QString shortName(const SessionModel &m, const QString &id);
const LinkInfo *inputLink(const SessionModel &m, const QString &element);
const LinkInfo *outputLink(const SessionModel &m, const QString &element);
/** \brief Elements downstream of \a from, nearest first (at most 64). */
QStringList downstream(const SessionModel &m, const QString &from);

/** \brief ERROR messages the pipeline posted. */
void errorFindings(const SessionModel &m, QList<Finding> &out);
/** \brief Frames copied, by memory (counted) or by the element's own GST_PERFORMANCE word. */
void copyFindings(const SessionModel &m, QList<Finding> &out);
/** \brief Imports a device refused, from the pools' allocation decisions. */
void importFindings(const SessionModel &m, QList<Finding> &out);
/** \brief dmabufkit pools whose producer had to wait: every buffer was held downstream. */
void poolFindings(const SessionModel &m, QList<Finding> &out);
/** \brief QoS (late) and dropped frames. */
void lateFindings(const SessionModel &m, QList<Finding> &out);
/** \brief Links that carried more than one kind of memory. */
void kindChangeFindings(const SessionModel &m, QList<Finding> &out);

} /* namespace findings */
} /* namespace dbkviewer */

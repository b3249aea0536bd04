/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The Findings panel: what the tracer saw going wrong, most important first
 * (findings.h), each with where, why and what to do. Clicking one selects its
 * element or link in the graph.
 */
#pragma once

#include <QTreeWidget>

#include "findings.h"

namespace dbkviewer {

class SessionModel;

class FindingsPanel : public QTreeWidget
{
	Q_OBJECT
public:
	explicit FindingsPanel(SessionModel *model, QWidget *parent = nullptr);
	void refresh();
	int count() const { return findings_.size(); }

signals:
	void countChanged(int count);
	void elementChosen(const QString &id);
	void linkChosen(const QString &id);

private:
	SessionModel *model_;
	QList<Finding> findings_;
	QString signature_ = QStringLiteral("-"); /* skip rebuilding when nothing changed */
};

} /* namespace dbkviewer */

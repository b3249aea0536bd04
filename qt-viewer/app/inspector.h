/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Details of the selected element or link: caps, properties, allocation, dma-bufs, pools. */
#pragma once

#include <QTreeWidget>

namespace dbkviewer {

class SessionModel;

class Inspector : public QTreeWidget
{
	Q_OBJECT
public:
	explicit Inspector(SessionModel *model, QWidget *parent = nullptr);
	void showElement(const QString &id);
	void showLink(const QString &id);
	void refresh();

private:
	QTreeWidgetItem *section(const QString &title);
	void addMap(QTreeWidgetItem *parent, const QVariantMap &map);

	SessionModel *model_;
	QString element_;
	QString link_;
};

} /* namespace dbkviewer */

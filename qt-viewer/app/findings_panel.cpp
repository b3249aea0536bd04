/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "findings_panel.h"

#include <QHeaderView>

#include "session_model.h"

namespace dbkviewer {

static QColor severityColour(Finding::Severity s)
{
	switch (s) {
	case Finding::Severity::Error:
		return QColor(0xb0, 0x1c, 0x1c);
	case Finding::Severity::Copy:
		return QColor(0xd1, 0x3b, 0x2e);
	case Finding::Severity::Warning:
		break;
	}
	return QColor(0xb0, 0x7b, 0x00);
}

FindingsPanel::FindingsPanel(SessionModel *model, QWidget *parent)
	: QTreeWidget(parent), model_(model)
{
	setColumnCount(2);
	setHeaderLabels({ tr("Finding"), tr("Where") });
	header()->setSectionResizeMode(0, QHeaderView::Stretch);
	header()->setSectionResizeMode(1, QHeaderView::ResizeToContents);
	header()->setStretchLastSection(false);
	setWordWrap(true);
	setRootIsDecorated(true);
	connect(model_, &SessionModel::statsUpdated, this, &FindingsPanel::refresh);
	connect(model_, &SessionModel::graphChanged, this, &FindingsPanel::refresh);
	connect(model_, &SessionModel::eventAdded, this, &FindingsPanel::refresh);
	connect(this, &QTreeWidget::itemClicked, this, [this](QTreeWidgetItem *item) {
		while (item->parent())
			item = item->parent();
		const int i = indexOfTopLevelItem(item);
		if (i < 0 || i >= findings_.size())
			return;
		const Finding &f = findings_[i];
		if (!f.link.isEmpty() && f.kind == QLatin1String("kind-changed"))
			emit linkChosen(f.link);
		else if (!f.element.isEmpty() && model_->element(f.element))
			emit elementChosen(f.element);
		else if (!f.link.isEmpty())
			emit linkChosen(f.link);
	});
}

void FindingsPanel::refresh()
{
	QList<Finding> now = findFindings(*model_);
	QString sig;
	for (const Finding &f : now)
		sig += f.kind + f.element + f.link + f.title + f.cause + '\n';
	if (sig == signature_)
		return;
	signature_ = sig;
	findings_ = now;
	clear();
	for (const Finding &f : findings_) {
		const QString where =
			f.link.isEmpty() ? f.element.section('/', -1) : f.link.section('/', -1);
		auto *item = new QTreeWidgetItem(
			this,
			{ QStringLiteral("%1: %2").arg(severityName(f.severity), f.title), where });
		item->setForeground(0, severityColour(f.severity));
		QFont bold = item->font(0);
		bold.setBold(true);
		item->setFont(0, bold);
		item->setToolTip(0, f.cause + "\n\n" + f.fix);
		auto *why = new QTreeWidgetItem(item, { tr("Why: %1").arg(f.cause) });
		why->setToolTip(0, f.cause);
		auto *fix = new QTreeWidgetItem(item, { tr("Fix: %1").arg(f.fix) });
		fix->setToolTip(0, f.fix);
		item->setFirstColumnSpanned(false);
		item->setExpanded(findings_.size() <= 4);
	}
	if (findings_.isEmpty())
		new QTreeWidgetItem(this, { tr("No problem seen (no copies, refused imports, "
					       "starving pools, late frames)") });
	emit countChanged(findings_.size());
}

} /* namespace dbkviewer */

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Charts over time: buffers/s per link, latency per element, CPU, pool occupancy. */
#pragma once

#include <QTabWidget>
#include <QTimer>

class QChart;
class QChartView;

namespace dbkviewer {

class SessionModel;

class ChartsPanel : public QTabWidget
{
	Q_OBJECT
public:
	explicit ChartsPanel(SessionModel *model, QWidget *parent = nullptr);
	void refresh();

private:
	QChartView *makeChart(const QString &title, const QString &unit);

	SessionModel *model_;
	QChartView *fps_;
	QChartView *latency_;
	QChartView *cpu_;
	QChartView *pools_;
	QTimer throttle_;
};

} /* namespace dbkviewer */

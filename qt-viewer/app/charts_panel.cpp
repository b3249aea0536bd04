/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "charts_panel.h"

#include <QChart>
#include <QChartView>
#include <QLineSeries>
#include <QValueAxis>

#include "session_model.h"

namespace dbkviewer {

ChartsPanel::ChartsPanel(SessionModel *model, QWidget *parent) : QTabWidget(parent), model_(model)
{
	fps_ = makeChart(tr("Buffers per second, per link"), tr("buffers/s"));
	latency_ = makeChart(tr("Processing latency, per element"), tr("µs"));
	cpu_ = makeChart(tr("CPU, % of one core"), tr("%"));
	pools_ = makeChart(tr("dmabufkit pool buffers in flight"), tr("buffers"));
	addTab(fps_, tr("Rates"));
	addTab(latency_, tr("Latency"));
	addTab(cpu_, tr("CPU"));
	addTab(pools_, tr("Pools"));
	/* At most 4 redraws a second, whatever the tracer sends; the last update
	   always lands (a replay delivers a whole session at once). */
	throttle_.setSingleShot(true);
	throttle_.setInterval(250);
	connect(&throttle_, &QTimer::timeout, this, &ChartsPanel::refresh);
	connect(model_, &SessionModel::statsUpdated, this, [this] {
		if (!throttle_.isActive())
			throttle_.start();
	});
}

QChartView *ChartsPanel::makeChart(const QString &title, const QString &unit)
{
	auto *chart = new QChart;
	chart->setTitle(title);
	chart->legend()->setAlignment(Qt::AlignRight);
	chart->setMargins(QMargins(4, 4, 4, 4));
	auto *view = new QChartView(chart);
	view->setRenderHint(QPainter::Antialiasing);
	view->setProperty("unit", unit);
	return view;
}

static void fill(QChartView *view, const QList<QPair<QString, Series>> &series)
{
	QChart *chart = view->chart();
	chart->removeAllSeries();
	for (QAbstractAxis *a : chart->axes())
		chart->removeAxis(a);
	double minX = 1e300, maxX = -1e300, maxY = 1;
	for (const auto &s : series) {
		if (s.second.isEmpty())
			continue;
		auto *ls = new QLineSeries;
		ls->setName(s.first);
		ls->replace(QList<QPointF>(s.second.begin(), s.second.end()));
		chart->addSeries(ls);
		for (const QPointF &p : s.second) {
			minX = qMin(minX, p.x());
			maxX = qMax(maxX, p.x());
			maxY = qMax(maxY, p.y());
		}
	}
	if (chart->series().isEmpty())
		return;
	auto *ax = new QValueAxis;
	ax->setTitleText(QObject::tr("seconds"));
	ax->setRange(minX, qMax(maxX, minX + 1));
	auto *ay = new QValueAxis;
	ay->setTitleText(view->property("unit").toString());
	ay->setRange(0, maxY * 1.1);
	chart->addAxis(ax, Qt::AlignBottom);
	chart->addAxis(ay, Qt::AlignLeft);
	for (QAbstractSeries *s : chart->series()) {
		s->attachAxis(ax);
		s->attachAxis(ay);
	}
}

static QString shortId(const QString &id)
{
	return id.section('/', -1);
}

void ChartsPanel::refresh()
{
	QList<QPair<QString, Series>> fps, lat, cpu, pools;
	for (const LinkInfo &l : model_->links())
		fps.append({ shortId(l.id), model_->fpsSeries(l.id) });
	for (const QString &key : model_->poolSeriesNames())
		pools.append({ shortId(key), model_->poolSeries(key) });
	for (const ElementInfo *e : model_->leafElements()) {
		Series s = model_->latencySeries(e->id);
		bool any = false;
		for (const QPointF &pt : s)
			any |= pt.y() > 0;
		if (any)
			lat.append({ shortId(e->id), s });
	}
	cpu.append({ tr("process"), model_->cpuSeries() });
	for (const QString &t : model_->threadNames()) {
		Series s = model_->threadCpuSeries(t);
		bool any = false;
		for (const QPointF &pt : s)
			any |= pt.y() > 1;
		if (any)
			cpu.append({ t, s });
	}
	fill(fps_, fps);
	fill(latency_, lat);
	fill(cpu_, cpu);
	fill(pools_, pools);
}

} /* namespace dbkviewer */

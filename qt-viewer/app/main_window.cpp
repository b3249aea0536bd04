/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "main_window.h"

#include <QAction>
#include <QCloseEvent>
#include <QDockWidget>
#include <QFileDialog>
#include <QHBoxLayout>
#include <QInputDialog>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QSettings>
#include <QSlider>
#include <QSplitter>
#include <QStatusBar>
#include <QTabWidget>
#include <QToolBar>
#include <QVBoxLayout>

#include "charts_panel.h"
#include "endpoint_client.h"
#include "findings_panel.h"
#include "graph_view.h"
#include "inspector.h"
#include "journey_view.h"
#include "pipeline_launcher.h"
#include "preview_pane.h"

namespace dbkviewer {

MainWindow::MainWindow(QWidget *parent) : QMainWindow(parent)
{
	client_ = new EndpointClient([this](const QByteArray &l) { onLine(l); }, this);
	launcher_ = new PipelineLauncher(this);
	buildUi();
	connect(client_, &EndpointClient::connectedFresh, this, [this] {
		replaying_ = false;
		timelineBar_->hide();
		recording_.clear();
		model_.clear();
	});
	connect(client_, &EndpointClient::stateChanged, this,
		[this](EndpointClient::State s, const QString &msg) {
			static const char *colours[] = { "#666", "#b07b00", "#1e9e48", "#c0392b" };
			setConnectionText(msg, colours[static_cast<int>(s)]);
		});
	connect(launcher_, &PipelineLauncher::message, this, [this](const QString &t, bool error) {
		events_->appendPlainText(t);
		if (error)
			statusBar()->showMessage(t, 10000);
	});
	connect(&model_, &SessionModel::eventAdded, this, [this](const SessionEvent &e) {
		events_->appendPlainText(QStringLiteral("%1  %2  %3  %4")
						 .arg(e.t, 8, 'f', 3)
						 .arg(e.what, -14)
						 .arg(e.element, e.text));
	});
	seekTimer_.setSingleShot(true);
	seekTimer_.setInterval(60);
	connect(&seekTimer_, &QTimer::timeout, this, [this] { seek(pendingSeek_); });
	QSettings settings;
	restoreGeometry(settings.value("window/geometry").toByteArray());
}

MainWindow::~MainWindow()
{
	client_->stop();
	launcher_->stop();
}

void MainWindow::buildUi()
{
	setWindowTitle(tr("dmabufkit viewer"));
	graph_ = new GraphView(&model_);
	inspector_ = new Inspector(&model_);
	charts_ = new ChartsPanel(&model_);
	events_ = new QPlainTextEdit;
	events_->setReadOnly(true);
	events_->setMaximumBlockCount(5000);
	events_->setFont(QFont(QStringLiteral("monospace")));

	auto *top = new QSplitter(Qt::Horizontal);
	top->addWidget(graph_);
	top->addWidget(inspector_);
	top->setStretchFactor(0, 3);
	top->setStretchFactor(1, 1);
	top->setSizes({ 900, 360 });
	graph_->setMinimumWidth(300);
	findings_ = new FindingsPanel(&model_);
	auto *tabs = new QTabWidget;
	tabs->addTab(findings_, tr("Findings"));
	tabs->addTab(charts_, tr("Charts"));
	journeys_ = new JourneyView(&model_);
	tabs->addTab(journeys_, tr("Journeys"));
	connect(findings_, &FindingsPanel::countChanged, this, [tabs, this](int n) {
		tabs->setTabText(tabs->indexOf(findings_),
				 n ? tr("Findings (%1)").arg(n) : tr("Findings"));
	});
	tabs->addTab(events_, tr("Events"));
	auto *vsplit = new QSplitter(Qt::Vertical);
	vsplit->addWidget(top);
	vsplit->addWidget(tabs);
	vsplit->setStretchFactor(0, 3);
	vsplit->setStretchFactor(1, 2);
	vsplit->setSizes({ 520, 300 });

	timelineBar_ = new QWidget;
	auto *tl = new QHBoxLayout(timelineBar_);
	tl->setContentsMargins(6, 2, 6, 2);
	tl->addWidget(new QLabel(tr("Replay:")));
	timeline_ = new QSlider(Qt::Horizontal);
	tl->addWidget(timeline_, 1);
	timeLabel_ = new QLabel;
	tl->addWidget(timeLabel_);
	timelineBar_->hide();
	connect(timeline_, &QSlider::valueChanged, this, [this](int v) {
		pendingSeek_ = v;
		seekTimer_.start();
	});

	auto *central = new QWidget;
	auto *cl = new QVBoxLayout(central);
	cl->setContentsMargins(0, 0, 0, 0);
	cl->addWidget(vsplit, 1);
	cl->addWidget(timelineBar_);
	setCentralWidget(central);

	QToolBar *tb = addToolBar(tr("Main"));
	tb->setObjectName("main-toolbar");
	tb->addAction(tr("Attach…"), this, [this] {
		QSettings settings;
		bool ok = false;
		QString ep = QInputDialog::getText(
			this, tr("Attach to a tracer"),
			tr("Endpoint (unix:PATH or tcp:HOST:PORT):"), QLineEdit::Normal,
			settings.value("last-endpoint", "tcp:127.0.0.1:5555").toString(), &ok);
		if (ok && !ep.isEmpty())
			attach(ep);
	});
	tb->addAction(tr("Launch…"), this, [this] {
		QSettings settings;
		bool ok = false;
		QString d = QInputDialog::getText(
			this, tr("Launch a pipeline in the viewer"), tr("gst-launch description:"),
			QLineEdit::Normal,
			settings.value("last-launch", "videotestsrc ! videoconvert ! autovideosink")
				.toString(),
			&ok);
		if (ok && !d.isEmpty())
			launch(d);
	});
	tb->addAction(tr("Open recording…"), this, [this] {
		QString p = QFileDialog::getOpenFileName(
			this, tr("Open a recorded session"), {},
			tr("Sessions (*.jsonl *.json);;All files (*)"));
		if (!p.isEmpty())
			openRecording(p);
	});
	tb->addAction(tr("Save session…"), this, [this] {
		QString p =
			QFileDialog::getSaveFileName(this, tr("Save the session"), "session.jsonl");
		if (!p.isEmpty())
			saveSession(p);
	});
	tb->addSeparator();
	tb->addAction(tr("Export SVG…"), this, [this] {
		QString p =
			QFileDialog::getSaveFileName(this, tr("Export the graph"), "pipeline.svg");
		QString err;
		if (!p.isEmpty() && !graph_->exportSvg(p, &err))
			showError(err);
	});
	tb->addAction(tr("Export PNG…"), this, [this] {
		QString p =
			QFileDialog::getSaveFileName(this, tr("Export the graph"), "pipeline.png");
		QString err;
		if (!p.isEmpty() && !graph_->exportPng(p, &err))
			showError(err);
	});
	tb->addSeparator();
	/* The live preview, when the tracer sends one (preview=...): a dock
	   that appears with the first picture. */
	preview_ = new PreviewPane(&model_);
	auto *dock = new QDockWidget(tr("Preview"), this);
	dock->setObjectName("preview-dock");
	dock->setWidget(preview_);
	addDockWidget(Qt::RightDockWidgetArea, dock);
	resizeDocks({ dock }, { 340 }, Qt::Horizontal);
	dock->hide();
	connect(preview_, &PreviewPane::firstPreview, this, [this, dock] {
		if (!previewShown_) {
			previewShown_ = true;
			dock->show();
		}
	});
	tb->addAction(dock->toggleViewAction());
	tb->addSeparator();
	tb->addAction(tr("Zoom in"), this, [this] { graph_->zoomBy(1.25); });
	tb->addAction(tr("Zoom out"), this, [this] { graph_->zoomBy(0.8); });
	tb->addAction(tr("Fit"), this, [this] { graph_->fit(); });
	search_ = new QLineEdit;
	search_->setPlaceholderText(tr("Find element…"));
	search_->setMaximumWidth(200);
	tb->addWidget(search_);
	connect(search_, &QLineEdit::returnPressed, this, [this] {
		if (!graph_->search(search_->text()))
			statusBar()->showMessage(
				tr("No element matches \"%1\"").arg(search_->text()), 4000);
	});

	connect(graph_, &GraphView::elementSelected, inspector_, &Inspector::showElement);
	connect(graph_, &GraphView::linkSelected, inspector_, &Inspector::showLink);
	connect(findings_, &FindingsPanel::elementChosen, graph_, &GraphView::selectElement);
	connect(findings_, &FindingsPanel::linkChosen, graph_, &GraphView::selectLink);
	connect(journeys_, &JourneyView::elementChosen, graph_, &GraphView::selectElement);

	connection_ = new QLabel;
	statusBar()->addPermanentWidget(connection_);
	setConnectionText(tr("Not connected"), "#666");
	resize(1280, 860);
}

void MainWindow::setConnectionText(const QString &text, const QString &colour)
{
	connection_->setText(QStringLiteral("<span style='color:%1'>●</span> %2")
				     .arg(colour, text.toHtmlEscaped()));
}

void MainWindow::showError(const QString &text)
{
	statusBar()->showMessage(text, 10000);
	events_->appendPlainText(tr("error: %1").arg(text));
}

void MainWindow::onLine(const QByteArray &line)
{
	if (recording_.size() < kMaxRecordedLines)
		recording_.append(line);
	model_.ingestLine(line);
}

bool MainWindow::attach(const QString &endpoint)
{
	QString err;
	if (!client_->start(endpoint, &err)) {
		showError(err);
		setConnectionText(err, "#c0392b");
		return false;
	}
	QSettings().setValue("last-endpoint", endpoint);
	return true;
}

bool MainWindow::launch(const QString &description)
{
	QString err;
	client_->stop();
	if (!launcher_->launch(description, &err)) {
		showError(err);
		return false;
	}
	QSettings().setValue("last-launch", description);
	return client_->start(PipelineLauncher::endpoint(), &err);
}

bool MainWindow::openRecording(const QString &path)
{
	client_->stop();
	QString err;
	if (!recording_.load(path, &err)) {
		showError(err);
		return false;
	}
	replaying_ = true;
	double span = recording_.endTime() - recording_.startTime();
	timeline_->blockSignals(true);
	timeline_->setRange(0, qMax(1, int(span * 1000)));
	timeline_->setValue(timeline_->maximum());
	timeline_->blockSignals(false);
	timelineBar_->show();
	seek(timeline_->maximum());
	setConnectionText(tr("Replaying %1 (%2 lines)").arg(path).arg(recording_.size()),
			  "#2a6fdb");
	return true;
}

void MainWindow::seek(int ms)
{
	if (!replaying_)
		return;
	double t = recording_.startTime() + ms / 1000.0;
	events_->clear();
	recording_.replayTo(model_, t);
	timeLabel_->setText(QStringLiteral("%1 / %2 s")
				    .arg(ms / 1000.0, 0, 'f', 2)
				    .arg(recording_.endTime() - recording_.startTime(), 0, 'f', 2));
}

void MainWindow::seekTo(double seconds)
{
	if (!replaying_)
		return;
	int ms = qBound(0, int(seconds * 1000), timeline_->maximum());
	timeline_->blockSignals(true);
	timeline_->setValue(ms);
	timeline_->blockSignals(false);
	seek(ms);
}

bool MainWindow::saveSession(const QString &path)
{
	QString err;
	if (!recording_.save(path, &err)) {
		showError(err);
		return false;
	}
	statusBar()->showMessage(tr("Saved %1 lines to %2").arg(recording_.size()).arg(path), 5000);
	return true;
}

void MainWindow::closeEvent(QCloseEvent *event)
{
	QSettings().setValue("window/geometry", saveGeometry());
	QMainWindow::closeEvent(event);
}

} /* namespace dbkviewer */

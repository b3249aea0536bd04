/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * dmabufkit-viewer: inspect a running pipeline (graph, caps, zero-copy links,
 * rates, latency, pools) through the dmabufkit tracer.
 */
#include <QApplication>
#include <QCommandLineParser>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonDocument>
#include <QTimer>

#include <cstdio>

#include "graph_view.h"
#include "journey_view.h"
#include "main_window.h"
#include "session_model.h"

using namespace dbkviewer;

/* Ready for a check: a graph with links, every link's kind known, data flowing. */
static bool modelReady(const SessionModel &m)
{
	if (m.links().isEmpty() || m.statsCount() < 2)
		return false;
	bool flowing = false;
	for (const LinkInfo &l : m.links()) {
		if (!m.hasLinkStats(l.id) || m.linkStats(l.id).kind == LinkKind::Unknown)
			return false;
		for (const QPointF &p : m.fpsSeries(l.id))
			flowing |= p.y() > 0;
	}
	return flowing;
}

int main(int argc, char **argv)
{
	QApplication app(argc, argv);
	QApplication::setOrganizationName("dmabufkit");
	QApplication::setApplicationName("dmabufkit-viewer");
	QApplication::setApplicationVersion("0.1.0");

	QCommandLineParser parser;
	parser.setApplicationDescription(
		"Inspect a running GStreamer pipeline: where zero-copy holds");
	parser.addHelpOption();
	parser.addVersionOption();
	QCommandLineOption attachOpt(
		"attach", "Attach to a tracer endpoint (unix:PATH, tcp:HOST:PORT).", "endpoint");
	QCommandLineOption launchOpt("launch", "Run a gst-launch description in the viewer.",
				     "description");
	QCommandLineOption openOpt("open", "Replay a recorded session file.", "file");
	QCommandLineOption waitOpt(
		"wait-ready",
		"Wait up to SECONDS for a graph with flowing, classified links, then "
		"write --screenshot/--dump-model and quit (status 0 when ready).",
		"seconds");
	QCommandLineOption shotOpt("screenshot", "With --wait-ready: save the window as PNG.",
				   "file");
	QCommandLineOption dumpOpt("dump-model",
				   "With --wait-ready: write the model summary as JSON.", "file");
	QCommandLineOption recordOpt("save-session",
				     "With --wait-ready: save the received session.", "file");
	QCommandLineOption selectOpt("select",
				     "With --wait-ready: select the first element matching TEXT "
				     "before the screenshot.",
				     "text");
	QCommandLineOption atOpt("at", "With --open: show the session SECONDS after its start.",
				 "seconds");
	QCommandLineOption previewOpt("wait-preview",
				      "With --wait-ready: ready also needs a live preview "
				      "(the tracer's preview= parameter).");
	QCommandLineOption traceOpt("export-trace",
				    "With --wait-ready: write the frame journeys as Chrome "
				    "trace-event JSON (Perfetto, chrome://tracing).",
				    "file");
	parser.addOptions({ attachOpt, launchOpt, openOpt, atOpt, waitOpt, shotOpt, dumpOpt,
			    recordOpt, selectOpt, previewOpt, traceOpt });
	parser.process(app);

	MainWindow window;
	window.show();
	bool started = true;
	if (parser.isSet(attachOpt))
		started = window.attach(parser.value(attachOpt));
	else if (parser.isSet(launchOpt))
		started = window.launch(parser.value(launchOpt));
	else if (parser.isSet(openOpt))
		started = window.openRecording(parser.value(openOpt));
	if (started && parser.isSet(openOpt) && parser.isSet(atOpt))
		window.seekTo(parser.value(atOpt).toDouble());

	if (!parser.isSet(waitOpt))
		return app.exec();

	/* Scripted run (tests, docs): never blocks, always ends. */
	if (!started)
		return 2;
	double limit = parser.value(waitOpt).toDouble();
	auto *clock = new QElapsedTimer;
	clock->start();
	auto *poll = new QTimer(&app);
	int readySince = -1;
	QObject::connect(poll, &QTimer::timeout, &app, [&, poll, clock] {
		bool ready = modelReady(*window.model()) &&
			     (!parser.isSet(previewOpt) || window.model()->hasPreview());
		if (ready && readySince < 0)
			readySince = clock->elapsed();
		/* Once ready, let a few more snapshots arrive and the window paint. */
		bool settle = ready && clock->elapsed() - readySince > 1500;
		if (!settle && clock->elapsed() < limit * 1000)
			return;
		poll->stop();
		/* The first view a user gets: readable, not shrunk to fit. */
		window.graphView()->showReadable();
		if (parser.isSet(selectOpt))
			window.graphView()->search(parser.value(selectOpt));
		QApplication::processEvents();
		if (parser.isSet(shotOpt) && !window.grab().save(parser.value(shotOpt), "PNG"))
			fprintf(stderr, "dmabufkit-viewer: cannot write %s\n",
				qPrintable(parser.value(shotOpt)));
		if (parser.isSet(dumpOpt)) {
			QFile f(parser.value(dumpOpt));
			if (f.open(QIODevice::WriteOnly)) {
				QJsonObject dump = window.model()->summary();
				dump.insert(QStringLiteral("view"),
					    window.graphView()->readability());
				f.write(QJsonDocument(dump).toJson());
			}
		}
		QString traceError;
		if (parser.isSet(traceOpt) &&
		    !window.journeyView()->exportTrace(parser.value(traceOpt), &traceError))
			fprintf(stderr, "dmabufkit-viewer: %s\n", qPrintable(traceError));
		if (parser.isSet(recordOpt))
			window.saveSession(parser.value(recordOpt));
		if (!ready)
			fprintf(stderr,
				"dmabufkit-viewer: not ready after %.0f s (links %lld, stats "
				"%llu)\n",
				limit, static_cast<long long>(window.model()->links().size()),
				static_cast<unsigned long long>(window.model()->statsCount()));
		QApplication::exit(ready ? 0 : 1);
	});
	poll->start(100);
	return app.exec();
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * dmabufkit-viewer: inspect a running pipeline (graph, caps, zero-copy links,
 * rates, latency, pools).
 */
#include <QApplication>
#include <QCommandLineParser>
#include <QLabel>
#include <QMainWindow>

int main(int argc, char **argv)
{
	QApplication app(argc, argv);
	QApplication::setApplicationName("dmabufkit-viewer");
	QApplication::setApplicationVersion("0.1.0");

	QCommandLineParser parser;
	parser.setApplicationDescription("Inspect a running GStreamer pipeline: where zero-copy holds");
	parser.addHelpOption();
	parser.addVersionOption();
	parser.process(app);

	QMainWindow window;
	window.setWindowTitle("dmabufkit viewer");
	window.setCentralWidget(new QLabel("No pipeline attached"));
	window.resize(960, 640);
	window.show();
	return app.exec();
}

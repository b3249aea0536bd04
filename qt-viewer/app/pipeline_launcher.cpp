/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "pipeline_launcher.h"

#include <QCoreApplication>
#include <QDir>

#include <gst/gst.h>
#include <unistd.h>

namespace dbkviewer {

PipelineLauncher::PipelineLauncher(QObject *parent) : QObject(parent)
{
	busTimer_.setInterval(50);
	connect(&busTimer_, &QTimer::timeout, this, &PipelineLauncher::pollBus);
}

PipelineLauncher::~PipelineLauncher()
{
	stop();
}

QString PipelineLauncher::endpoint()
{
	return QStringLiteral("unix:%1/dmabufkit-viewer-%2.sock")
		.arg(QDir::tempPath())
		.arg(getpid());
}

bool PipelineLauncher::launch(const QString &description, QString *error)
{
	stop();
	if (!gst_is_initialized()) {
		/* The tracer is chosen when GStreamer starts; keep a user's own list. */
		QByteArray tracers = qgetenv("GST_TRACERS");
		/* preview=auto: the Preview dock shows the video sink's input;
		   journeys=on: the Journeys tab follows one frame in 30. */
		QByteArray ours = "dmabuftrace(endpoint=" + endpoint().toUtf8() +
				  ",preview=auto,journeys=on)";
		qputenv("GST_TRACERS", tracers.isEmpty() ? ours : tracers + ";" + ours);
		GError *err = nullptr;
		if (!gst_init_check(nullptr, nullptr, &err)) {
			if (error)
				*error = QStringLiteral("GStreamer failed to start: %1")
						 .arg(err ? err->message : "unknown error");
			g_clear_error(&err);
			return false;
		}
	}
	GError *err = nullptr;
	GstElement *p = gst_parse_launch(description.toUtf8().constData(), &err);
	if (!p || err) {
		if (error)
			*error = QStringLiteral("cannot build the pipeline: %1")
					 .arg(err ? err->message : "?");
		g_clear_error(&err);
		if (p)
			gst_object_unref(p);
		return false;
	}
	if (!GST_IS_PIPELINE(p)) {
		GstElement *pipe = gst_pipeline_new(nullptr);
		gst_bin_add(GST_BIN(pipe), p);
		p = pipe;
	}
	pipeline_ = p;
	if (gst_element_set_state(p, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
		if (error)
			*error = QStringLiteral("the pipeline refused to start (see the events)");
		pollBus();
		stop();
		return false;
	}
	busTimer_.start();
	return true;
}

void PipelineLauncher::stop()
{
	busTimer_.stop();
	if (!pipeline_)
		return;
	gst_element_set_state(pipeline_, GST_STATE_NULL);
	gst_object_unref(pipeline_);
	pipeline_ = nullptr;
}

void PipelineLauncher::pollBus()
{
	if (!pipeline_)
		return;
	GstBus *bus = gst_element_get_bus(pipeline_);
	bool done = false;
	while (GstMessage *m = gst_bus_pop(bus)) {
		switch (GST_MESSAGE_TYPE(m)) {
		case GST_MESSAGE_ERROR: {
			GError *err = nullptr;
			gst_message_parse_error(m, &err, nullptr);
			emit message(QStringLiteral("Pipeline error from %1: %2")
					     .arg(GST_OBJECT_NAME(GST_MESSAGE_SRC(m)),
						  err ? err->message : "?"),
				     true);
			g_clear_error(&err);
			done = true;
			break;
		}
		case GST_MESSAGE_EOS:
			emit message(QStringLiteral("Pipeline reached end of stream"), false);
			done = true;
			break;
		default:
			break;
		}
		gst_message_unref(m);
	}
	gst_object_unref(bus);
	if (done) {
		/* Keep the last graph: pause rather than tear down. */
		busTimer_.stop();
		gst_element_set_state(pipeline_, GST_STATE_PAUSED);
		emit finished();
	}
}

} /* namespace dbkviewer */

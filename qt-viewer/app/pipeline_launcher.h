/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Runs a gst-launch description inside the viewer, with the dmabufkit tracer
 * publishing on a private Unix socket the viewer then attaches to.
 */
#pragma once

#include <QObject>
#include <QString>
#include <QTimer>

typedef struct _GstElement GstElement;

namespace dbkviewer {

class PipelineLauncher : public QObject
{
	Q_OBJECT
public:
	explicit PipelineLauncher(QObject *parent = nullptr);
	~PipelineLauncher() override;

	/* The endpoint the in-process tracer publishes on. */
	static QString endpoint();
	bool launch(const QString &description, QString *error);
	void stop();
	bool running() const { return pipeline_ != nullptr; }

signals:
	void message(const QString &text, bool error);
	void finished();

private:
	void pollBus();

	GstElement *pipeline_ = nullptr;
	QTimer busTimer_;
};

} /* namespace dbkviewer */

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Connects to a tracer endpoint (unix:PATH or tcp:HOST:PORT) and hands every
 * line to a callback. Asynchronous: the GUI never waits for the pipeline.
 * Reconnects every two seconds until stopped.
 */
#pragma once

#include <QAbstractSocket>
#include <QObject>
#include <QTimer>

#include <functional>

class QIODevice;
class QLocalSocket;
class QTcpSocket;

namespace dbkviewer {

class EndpointClient : public QObject
{
	Q_OBJECT
public:
	enum class State { Idle, Connecting, Connected, Waiting };
	using LineFn = std::function<void(const QByteArray &)>;

	explicit EndpointClient(LineFn onLine, QObject *parent = nullptr);

	/* false and an error when @endpoint is not unix:PATH or tcp:[HOST:]PORT. */
	bool start(const QString &endpoint, QString *error);
	void stop();
	State state() const { return state_; }
	QString endpoint() const { return endpoint_; }
	QString lastError() const { return lastError_; }

	static constexpr qint64 kMaxPendingBytes = 16 * 1024 * 1024;

signals:
	void stateChanged(State state, const QString &message);
	void connectedFresh(); /* a new connection: the model starts over */

private:
	void attempt();
	void onReadable();
	void onConnected();
	void onDisconnected(const QString &why);
	void setState(State s, const QString &message);

	LineFn onLine_;
	QString endpoint_;
	bool unix_ = false;
	QString path_;
	QString host_;
	quint16 port_ = 0;
	QIODevice *io_ = nullptr;
	QLocalSocket *local_ = nullptr;
	QTcpSocket *tcp_ = nullptr;
	QTimer retry_;
	State state_ = State::Idle;
	QString lastError_;
};

} /* namespace dbkviewer */

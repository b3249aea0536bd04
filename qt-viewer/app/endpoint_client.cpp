/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "endpoint_client.h"

#include <QLocalSocket>
#include <QTcpSocket>

namespace dbkviewer {

EndpointClient::EndpointClient(LineFn onLine, QObject *parent)
	: QObject(parent), onLine_(std::move(onLine))
{
	retry_.setSingleShot(true);
	retry_.setInterval(2000);
	connect(&retry_, &QTimer::timeout, this, &EndpointClient::attempt);
}

bool EndpointClient::start(const QString &endpoint, QString *error)
{
	stop();
	QString scheme = endpoint.section(':', 0, 0);
	QString rest = endpoint.section(':', 1);
	if (scheme == QLatin1String("unix") && !rest.isEmpty()) {
		unix_ = true;
		path_ = rest;
	} else if (scheme == QLatin1String("tcp") && !rest.isEmpty()) {
		unix_ = false;
		int colon = rest.lastIndexOf(':');
		host_ = colon < 0 ? QStringLiteral("127.0.0.1") : rest.left(colon);
		bool ok = false;
		uint port = rest.mid(colon + 1).toUInt(&ok);
		if (!ok || port == 0 || port > 65535 || host_.isEmpty()) {
			if (error)
				*error = QStringLiteral("%1: expected tcp:HOST:PORT").arg(endpoint);
			return false;
		}
		port_ = static_cast<quint16>(port);
	} else {
		if (error)
			*error = QStringLiteral("%1: use unix:PATH or tcp:HOST:PORT").arg(endpoint);
		return false;
	}
	endpoint_ = endpoint;
	attempt();
	return true;
}

void EndpointClient::stop()
{
	retry_.stop();
	if (local_) {
		local_->disconnect(this);
		local_->abort();
		local_->deleteLater();
		local_ = nullptr;
	}
	if (tcp_) {
		tcp_->disconnect(this);
		tcp_->abort();
		tcp_->deleteLater();
		tcp_ = nullptr;
	}
	io_ = nullptr;
	setState(State::Idle, QStringLiteral("Not connected"));
}

void EndpointClient::attempt()
{
	setState(State::Connecting, QStringLiteral("Connecting to %1…").arg(endpoint_));
	if (unix_) {
		local_ = new QLocalSocket(this);
		io_ = local_;
		connect(local_, &QLocalSocket::connected, this, &EndpointClient::onConnected);
		connect(local_, &QLocalSocket::readyRead, this, &EndpointClient::onReadable);
		connect(local_, &QLocalSocket::errorOccurred, this,
			[this](QLocalSocket::LocalSocketError) {
				onDisconnected(local_->errorString());
			});
		local_->connectToServer(path_);
	} else {
		tcp_ = new QTcpSocket(this);
		io_ = tcp_;
		connect(tcp_, &QTcpSocket::connected, this, &EndpointClient::onConnected);
		connect(tcp_, &QTcpSocket::readyRead, this, &EndpointClient::onReadable);
		connect(tcp_, &QTcpSocket::errorOccurred, this,
			[this](QAbstractSocket::SocketError) {
				onDisconnected(tcp_->errorString());
			});
		tcp_->connectToHost(host_, port_);
	}
}

void EndpointClient::onConnected()
{
	emit connectedFresh();
	setState(State::Connected, QStringLiteral("Connected to %1").arg(endpoint_));
}

void EndpointClient::onReadable()
{
	if (!io_)
		return;
	while (io_ && io_->canReadLine()) {
		QByteArray line = io_->readLine().trimmed();
		if (!line.isEmpty())
			onLine_(line);
	}
	/* A peer that never ends a line is not a tracer. */
	if (io_ && io_->bytesAvailable() > kMaxPendingBytes)
		onDisconnected(QStringLiteral("peer sent a line longer than 16 MiB"));
}

void EndpointClient::onDisconnected(const QString &why)
{
	lastError_ = why;
	QObject *sock = local_ ? static_cast<QObject *>(local_) : static_cast<QObject *>(tcp_);
	if (sock) {
		sock->disconnect(this);
		sock->deleteLater();
	}
	local_ = nullptr;
	tcp_ = nullptr;
	io_ = nullptr;
	setState(State::Waiting, QStringLiteral("%1: %2 — retrying").arg(endpoint_, why));
	retry_.start();
}

void EndpointClient::setState(State s, const QString &message)
{
	state_ = s;
	emit stateChanged(s, message);
}

} /* namespace dbkviewer */

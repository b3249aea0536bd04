/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "session_recording.h"

#include <QFile>
#include <QRegularExpression>
#include <QSaveFile>

#include "session_model.h"

namespace dbkviewer {

static constexpr qint64 kMaxFileBytes = 512ll * 1024 * 1024;

void SessionRecording::append(const QByteArray &line)
{
	/* Only the time, cheaply: full parsing happens in the model. */
	static const QRegularExpression re(QStringLiteral("\"t\":(-?[0-9.eE+-]+)"));
	double t = lastT_;
	auto m = re.match(QString::fromUtf8(line.left(200)));
	if (m.hasMatch()) {
		bool ok = false;
		double v = m.captured(1).toDouble(&ok);
		if (ok && v >= lastT_)
			t = v;
	}
	lastT_ = t;
	lines_.append({ t, line });
}

bool SessionRecording::load(const QString &path, QString *error)
{
	QFile f(path);
	if (!f.open(QIODevice::ReadOnly)) {
		if (error)
			*error = QStringLiteral("cannot open %1: %2").arg(path, f.errorString());
		return false;
	}
	if (f.size() > kMaxFileBytes) {
		if (error)
			*error = QStringLiteral("%1 is larger than 512 MiB").arg(path);
		return false;
	}
	clear();
	lastT_ = 0;
	/* One buffer for every line: readLine(maxSize) would allocate (and, with
	   MALLOC_PERTURB_, fill) the 8 MiB maximum for each line. */
	QByteArray buf(SessionModel::kMaxLineBytes + 2, Qt::Uninitialized);
	while (!f.atEnd()) {
		const qint64 n = f.readLine(buf.data(), buf.size());
		if (n <= 0)
			break;
		QByteArray line = QByteArray(buf.constData(), n).trimmed();
		if (!line.isEmpty())
			append(line);
	}
	return true;
}

bool SessionRecording::save(const QString &path, QString *error) const
{
	QSaveFile f(path);
	if (!f.open(QIODevice::WriteOnly)) {
		if (error)
			*error = QStringLiteral("cannot write %1: %2").arg(path, f.errorString());
		return false;
	}
	for (const Line &l : lines_) {
		f.write(l.text);
		f.write("\n");
	}
	if (!f.commit()) {
		if (error)
			*error = QStringLiteral("cannot write %1: %2").arg(path, f.errorString());
		return false;
	}
	return true;
}

int SessionRecording::replayTo(SessionModel &model, double t) const
{
	model.clear();
	int n = 0;
	for (const Line &l : lines_) {
		if (l.t > t)
			break;
		model.ingestLine(l.text);
		++n;
	}
	return n;
}

} /* namespace dbkviewer */

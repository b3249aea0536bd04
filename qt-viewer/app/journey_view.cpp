/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "journey_view.h"

#include <QComboBox>
#include <QFile>
#include <QFileDialog>
#include <QFontMetrics>
#include <QHBoxLayout>
#include <QJsonDocument>
#include <QLabel>
#include <QMouseEvent>
#include <QPainter>
#include <QPushButton>
#include <QScrollArea>
#include <QVBoxLayout>

#include "session_model.h"

namespace dbkviewer {

JourneyTimeline::JourneyTimeline(QWidget *parent) : QWidget(parent)
{
	setBackgroundRole(QPalette::Base);
	setAutoFillBackground(true);
}

int JourneyTimeline::rowHeight() const
{
	return fontMetrics().height() + 10;
}

void JourneyTimeline::setSlices(const QList<JourneySlice> &slices)
{
	slices_ = slices;
	setMinimumHeight(rowHeight() * (slices_.size() + 1) + 8);
	updateGeometry();
	update();
}

QSize JourneyTimeline::sizeHint() const
{
	return QSize(600, rowHeight() * (slices_.size() + 1) + 8);
}

void JourneyTimeline::paintEvent(QPaintEvent *)
{
	QPainter p(this);
	if (slices_.isEmpty()) {
		p.drawText(rect().adjusted(8, 8, -8, -8), Qt::AlignLeft | Qt::TextWordWrap,
			   tr("No frame journeys: start the tracer with journeys=on "
			      "(GST_TRACERS=\"dmabuftrace(journeys=on)\"; --launch does)."));
		return;
	}
	const QFontMetrics fm = fontMetrics();
	int labelW = 0;
	for (const JourneySlice &s : slices_)
		labelW = qMax(labelW, fm.horizontalAdvance(s.element.section('/', -1)));
	const int x0 = labelW + 16, x1 = width() - 12, rh = rowHeight();
	const double t0 = slices_.first().begin;
	double t1 = t0;
	for (const JourneySlice &s : slices_)
		t1 = qMax(t1, s.end);
	const double span = qMax(t1 - t0, 1e-6);
	auto x = [&](double t) { return x0 + (t - t0) / span * (x1 - x0); };
	p.setPen(palette().color(QPalette::Mid));
	p.drawLine(x0, rh * slices_.size() + 4, x1, rh * slices_.size() + 4);
	p.setPen(palette().color(QPalette::Text));
	p.drawText(x0, rh * (slices_.size() + 1), QStringLiteral("0"));
	const QString total = QStringLiteral("%1 ms").arg(span * 1000, 0, 'f', 2);
	p.drawText(x1 - fm.horizontalAdvance(total), rh * (slices_.size() + 1), total);
	QPointF prev;
	for (int i = 0; i < slices_.size(); ++i) {
		const JourneySlice &s = slices_[i];
		const int y = i * rh + 4;
		p.setPen(palette().color(QPalette::Text));
		p.drawText(8, y + fm.ascent() + 4, s.element.section('/', -1));
		const QRectF bar(x(s.begin), y + 2, qMax(2.0, x(s.end) - x(s.begin)), rh - 6);
		p.fillRect(bar, s.inode ? QColor(0x1e, 0x9e, 0x48) : QColor(0x80, 0x80, 0x80));
		const QString text =
			QStringLiteral("%1 ms%2")
				.arg((s.end - s.begin) * 1000, 0, 'f', 2)
				.arg(s.inode ? QStringLiteral(" · dma-buf %1 (%2)")
						       .arg(s.name.isEmpty()
								    ? QString::number(s.inode)
								    : s.name,
							    s.exporter)
					     : QString());
		const double tx = qMin(bar.right() + 6, double(x1 - fm.horizontalAdvance(text)));
		p.drawText(QPointF(qMax(double(x0), tx), y + fm.ascent() + 4), text);
		if (i > 0) {
			p.setPen(QPen(QColor(0x1a, 0x5f, 0xd0), 1.2));
			p.drawLine(prev, QPointF(bar.left(), bar.top()));
		}
		prev = QPointF(bar.left(), bar.bottom());
	}
}

void JourneyTimeline::mousePressEvent(QMouseEvent *event)
{
	const int i = (event->pos().y() - 4) / rowHeight();
	if (i >= 0 && i < slices_.size())
		emit elementClicked(slices_[i].element);
}

JourneyView::JourneyView(SessionModel *model, QWidget *parent)
	: QWidget(parent), model_(model), frames_(new QComboBox), info_(new QLabel),
	  timeline_(new JourneyTimeline)
{
	auto *bar = new QHBoxLayout;
	bar->addWidget(new QLabel(tr("Frame:")));
	frames_->setMinimumContentsLength(24);
	bar->addWidget(frames_);
	bar->addWidget(info_, 1);
	auto *exportButton = new QPushButton(tr("Export trace…"));
	bar->addWidget(exportButton);
	auto *scroll = new QScrollArea;
	scroll->setWidget(timeline_);
	scroll->setWidgetResizable(true);
	auto *v = new QVBoxLayout(this);
	v->setContentsMargins(4, 4, 4, 4);
	v->addLayout(bar);
	v->addWidget(scroll, 1);
	connect(model_, &SessionModel::journeysUpdated, this, &JourneyView::refreshFrames);
	connect(model_, &SessionModel::graphChanged, this, &JourneyView::refreshFrames);
	connect(frames_, &QComboBox::currentIndexChanged, this, &JourneyView::showFrame);
	connect(timeline_, &JourneyTimeline::elementClicked, this, &JourneyView::elementChosen);
	connect(exportButton, &QPushButton::clicked, this, [this] {
		const QString path = QFileDialog::getSaveFileName(
			this, tr("Export frame journeys (Chrome trace-event JSON)"),
			"journeys.json");
		QString err;
		if (!path.isEmpty() && !exportTrace(path, &err))
			info_->setText(err);
	});
	refreshFrames();
}

void JourneyView::refreshFrames()
{
	const auto &js = model_->journeys().journeys();
	const quint64 current = frames_->currentData().toULongLong();
	frames_->blockSignals(true);
	frames_->clear();
	for (const Journey &j : js)
		frames_->addItem(QStringLiteral("frame %1 (pts %2 s)")
					 .arg(j.frame)
					 .arg(j.pts / 1e9, 0, 'f', 3),
				 QVariant::fromValue(j.frame));
	int idx = frames_->findData(QVariant::fromValue(current));
	frames_->setCurrentIndex(idx >= 0 ? idx : frames_->count() - 1);
	frames_->blockSignals(false);
	info_->setText(js.isEmpty() ? QString()
				    : tr("%1 frames followed, one in %2")
					      .arg(js.size())
					      .arg(model_->journeys().sampling()));
	showFrame();
}

void JourneyView::showFrame()
{
	const auto &js = model_->journeys().journeys();
	const quint64 f = frames_->currentData().toULongLong();
	timeline_->setSlices(js.contains(f) ? JourneyStore::slices(js.value(f), model_->links())
					    : QList<JourneySlice>());
}

bool JourneyView::exportTrace(const QString &path, QString *error) const
{
	QFile f(path);
	if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate)) {
		if (error)
			*error = tr("cannot write %1: %2").arg(path, f.errorString());
		return false;
	}
	const QString process =
		QStringLiteral("%1 (pid %2)").arg(model_->program()).arg(model_->pid());
	f.write(QJsonDocument(model_->journeys().chromeTrace(model_->links(), process)).toJson());
	return true;
}

} /* namespace dbkviewer */

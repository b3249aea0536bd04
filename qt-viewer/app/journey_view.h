/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Frame journeys: pick a sampled frame and see its path through the
 * pipeline as a timeline, one row per element (entered to left), with the
 * dma-buf that carried it; export every journey as Chrome trace-event JSON
 * for Perfetto or chrome://tracing.
 */
#pragma once

#include <QWidget>

#include "journeys.h"

class QComboBox;
class QLabel;

namespace dbkviewer {

class SessionModel;

class JourneyTimeline : public QWidget
{
	Q_OBJECT
public:
	explicit JourneyTimeline(QWidget *parent = nullptr);
	void setSlices(const QList<JourneySlice> &slices);
	QSize sizeHint() const override;

signals:
	void elementClicked(const QString &id);

protected:
	void paintEvent(QPaintEvent *event) override;
	void mousePressEvent(QMouseEvent *event) override;

private:
	QList<JourneySlice> slices_;
	int rowHeight() const;
};

class JourneyView : public QWidget
{
	Q_OBJECT
public:
	explicit JourneyView(SessionModel *model, QWidget *parent = nullptr);
	/* Chrome trace-event JSON of every journey; false (and @error) when it cannot be written.
	 */
	bool exportTrace(const QString &path, QString *error) const;

signals:
	void elementChosen(const QString &id);

private:
	void refreshFrames();
	void showFrame();

	SessionModel *model_;
	QComboBox *frames_;
	QLabel *info_;
	JourneyTimeline *timeline_;
};

} /* namespace dbkviewer */

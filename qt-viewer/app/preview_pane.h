/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The live preview: the tracer's newest thumbnail of one link, scaled to fit. */
#pragma once

#include <QImage>
#include <QWidget>

class QLabel;

namespace dbkviewer {

class SessionModel;

class PreviewPane : public QWidget
{
	Q_OBJECT
public:
	explicit PreviewPane(SessionModel *model, QWidget *parent = nullptr);
	/* The picture as last received (null when there is none). */
	const QImage &image() const { return image_; }

signals:
	/* The first preview of a session arrived (the window shows the pane then). */
	void firstPreview();

protected:
	void resizeEvent(QResizeEvent *event) override;

private:
	void showLatest();
	void rescale();

	SessionModel *model_;
	QLabel *picture_;
	QLabel *caption_;
	QImage image_;
	bool had_ = false;
};

} /* namespace dbkviewer */

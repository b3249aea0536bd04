/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "preview_pane.h"

#include <QLabel>
#include <QPixmap>
#include <QVBoxLayout>

#include "session_model.h"

namespace dbkviewer {

PreviewPane::PreviewPane(SessionModel *model, QWidget *parent) : QWidget(parent), model_(model)
{
	picture_ = new QLabel;
	picture_->setAlignment(Qt::AlignCenter);
	picture_->setMinimumSize(160, 120);
	picture_->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Ignored);
	caption_ = new QLabel;
	caption_->setWordWrap(true);
	caption_->setTextInteractionFlags(Qt::TextSelectableByMouse);
	auto *layout = new QVBoxLayout(this);
	layout->setContentsMargins(4, 4, 4, 4);
	layout->addWidget(picture_, 1);
	layout->addWidget(caption_);
	connect(model_, &SessionModel::previewUpdated, this, &PreviewPane::showLatest);
	showLatest();
}

void PreviewPane::showLatest()
{
	if (!model_->hasPreview()) {
		image_ = QImage();
		picture_->clear();
		picture_->setText(tr("No preview.\nStart the tracer with preview=auto\n(or "
				     "preview=ELEMENT:PAD)."));
		caption_->clear();
		had_ = false;
		return;
	}
	const PreviewFrame &p = model_->preview();
	/* The model checked the size; copy, since the model's bytes change with the next frame. */
	image_ = QImage(reinterpret_cast<const uchar *>(p.rgb.constData()), p.width, p.height,
			p.width * 3, QImage::Format_RGB888)
			 .copy();
	rescale();
	caption_->setText(tr("%1 → %2\n%3 %4x%5, at %6 s")
				  .arg(p.link,
				       p.element.isEmpty() ? tr("?") : p.element + ':' + p.pad,
				       p.sourceFormat)
				  .arg(p.sourceWidth)
				  .arg(p.sourceHeight)
				  .arg(p.t, 0, 'f', 2));
	if (!had_) {
		had_ = true;
		emit firstPreview();
	}
}

void PreviewPane::rescale()
{
	if (image_.isNull())
		return;
	/* Thumbnails are small: enlarge without smoothing, so pixels stay pixels. */
	picture_->setPixmap(QPixmap::fromImage(
		image_.scaled(picture_->size(), Qt::KeepAspectRatio, Qt::FastTransformation)));
}

void PreviewPane::resizeEvent(QResizeEvent *event)
{
	QWidget::resizeEvent(event);
	rescale();
}

} /* namespace dbkviewer */

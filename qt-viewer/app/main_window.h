/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <QMainWindow>
#include <QTimer>

#include "session_model.h"
#include "session_recording.h"

class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QSlider;
class QWidget;

namespace dbkviewer {

class ChartsPanel;
class EndpointClient;
class FindingsPanel;
class GraphView;
class Inspector;
class JourneyView;
class PipelineLauncher;
class PreviewPane;

class MainWindow : public QMainWindow
{
	Q_OBJECT
public:
	explicit MainWindow(QWidget *parent = nullptr);
	~MainWindow() override;

	SessionModel *model() { return &model_; }
	GraphView *graphView() { return graph_; }
	PreviewPane *previewPane() { return preview_; }
	FindingsPanel *findingsPanel() { return findings_; }
	JourneyView *journeyView() { return journeys_; }

	bool attach(const QString &endpoint);
	bool launch(const QString &description);
	bool openRecording(const QString &path);
	bool saveSession(const QString &path);
	/* Replay: show the session as it was @seconds after its start. */
	void seekTo(double seconds);

protected:
	void closeEvent(QCloseEvent *event) override;

private:
	void buildUi();
	void onLine(const QByteArray &line);
	void setConnectionText(const QString &text, const QString &colour);
	void showError(const QString &text);
	void seek(int ms);

	SessionModel model_;
	SessionRecording recording_;
	bool replaying_ = false;
	GraphView *graph_ = nullptr;
	Inspector *inspector_ = nullptr;
	ChartsPanel *charts_ = nullptr;
	FindingsPanel *findings_ = nullptr;
	JourneyView *journeys_ = nullptr;
	PreviewPane *preview_ = nullptr;
	bool previewShown_ = false; /* shown by itself once; then it is the user's */
	QPlainTextEdit *events_ = nullptr;
	QLabel *connection_ = nullptr;
	QLineEdit *search_ = nullptr;
	QWidget *timelineBar_ = nullptr;
	QSlider *timeline_ = nullptr;
	QLabel *timeLabel_ = nullptr;
	QTimer seekTimer_;
	int pendingSeek_ = 0;
	EndpointClient *client_ = nullptr;
	PipelineLauncher *launcher_ = nullptr;
	static constexpr int kMaxRecordedLines = 200000;
};

} /* namespace dbkviewer */

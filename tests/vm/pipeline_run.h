/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Running a pipeline that ends in a sink named "sink" to EOS or error in a VM
 * test, recording what reached the sink; feeding its appsrc; and comparing
 * the last frame with dmabufkmssink's writeback capture.
 */
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <set>
#include <string>
#include <vector>

#include <gst/gst.h>
#include <gst/video/video.h>

/* What one pipeline run left behind. */
struct PipelineRun {
	bool eos = false;
	GQuark errDomain = 0;
	int errCode = 0;
	std::string errSource, errMessage, errDebug;
	std::vector<std::string> warnings;
	GstStructure *stats = nullptr;
	GstSample *writeback = nullptr;
	GstBuffer *last = nullptr; /* last buffer that reached the sink */
	GstCaps *caps = nullptr;
	std::set<uint64_t> inodes; /* dma-bufs that reached the sink */

	PipelineRun() = default;
	PipelineRun(const PipelineRun &) = delete;
	~PipelineRun()
	{
		if (stats)
			gst_structure_free(stats);
		if (writeback)
			gst_sample_unref(writeback);
		if (last)
			gst_buffer_unref(last);
		if (caps)
			gst_caps_unref(caps);
	}
	guint64 stat(const char *f) const
	{
		guint64 v = G_MAXUINT64;
		if (stats)
			gst_structure_get_uint64(stats, f, &v);
		return v;
	}
	std::string statStr(const char *f) const
	{
		const char *s = stats ? gst_structure_get_string(stats, f) : nullptr;
		return s ? s : "";
	}
	std::string error() const { return errMessage + " | " + errDebug; }
};

using Hook = std::function<void(GstElement *pipeline, PipelineRun &run)>;

/* Run DESC (its sink named "sink") to EOS or error. `atEos` runs while the
 * pipeline still shows the last frame; `setup` before it starts. */
void runPipeline(const std::string &desc, PipelineRun &run, Hook setup = {}, Hook atEos = {},
		 int timeoutS = 60);

/* Push `frames` 30 fps frames made by `make` into the appsrc named "src"
 * of `p`, then EOS; `paceUs` between pushes (0: all at once). */
void pushInto(GstElement *p, int frames, const std::function<GstBuffer *(int)> &make,
	      gulong paceUs = 0);

/* A guint64 / string property of the element named \a element in \a pipeline
 * (G_MAXUINT64 / "" when there is no such element). */
guint64 elementUint(GstElement *pipeline, const char *element, const char *property);
std::string elementString(GstElement *pipeline, const char *element, const char *property);

/* The 8-bit R, G, B a pixel of FORMAT should show as. */
std::array<int, 3> expectedRgb(GstVideoFormat f, const uint8_t *row, int x);

/*
 * Compare the frame the sink was given with the writeback capture, the frame
 * placed at (dx, dy) in it; outside, the capture must be black. Returns the
 * number of pixels that differ by more than `tol` in a channel.
 */
size_t compareWithCapture(PipelineRun &run, int tol, std::string *where, int atX = -1,
			  int atY = -1);

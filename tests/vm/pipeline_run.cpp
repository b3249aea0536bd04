/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "pipeline_run.h"
#include "pipeline_unref.h"

#include <cstdio>
#include <cstdlib>
#include <gtest/gtest.h>

#include <dmabufkit/dmabufkit.h>
#include <gst/allocators/allocators.h>

static GstPadProbeReturn recordBuffer(GstPad *pad, GstPadProbeInfo *info, gpointer data)
{
	auto *run = static_cast<PipelineRun *>(data);
	GstBuffer *buf = GST_PAD_PROBE_INFO_BUFFER(info);
	if (run->last)
		gst_buffer_unref(run->last);
	run->last = gst_buffer_ref(buf);
	if (GstMemory *m = gst_buffer_n_memory(buf) ? gst_buffer_peek_memory(buf, 0) : nullptr)
		if (gst_is_dmabuf_memory(m))
			run->inodes.insert(dbk_memory_get_inode(m));
	if (!run->caps)
		run->caps = gst_pad_get_current_caps(pad);
	return GST_PAD_PROBE_OK;
}

/* PipelineRun DESC (its sink named "sink") to EOS or error. `atEos` runs while the
 * pipeline still shows the last frame; `setup` before it starts. */
void runPipeline(const std::string &desc, PipelineRun &run, Hook setup, Hook atEos, int timeoutS)
{
	GError *err = nullptr;
	GstElement *p = gst_parse_launch(desc.c_str(), &err);
	ASSERT_NE(p, nullptr) << desc << ": " << (err ? err->message : "?");
	if (err) {
		FAIL() << "parse: " << err->message;
	}
	GstElement *sink = gst_bin_get_by_name(GST_BIN(p), "sink");
	ASSERT_NE(sink, nullptr) << "no element named sink in " << desc;
	GstPad *pad = gst_element_get_static_pad(sink, "sink");
	gst_pad_add_probe(pad, GST_PAD_PROBE_TYPE_BUFFER, recordBuffer, &run, nullptr);
	gst_object_unref(pad);
	if (setup)
		setup(p, run);
	gst_element_set_state(p, GST_STATE_PLAYING);
	GstBus *bus = gst_element_get_bus(p);
	gint64 deadline = g_get_monotonic_time() + gint64(timeoutS) * G_USEC_PER_SEC;
	bool done = false;
	const bool ours = g_str_equal(G_OBJECT_TYPE_NAME(sink), "GstDmabufKmsSink");
	while (!done && g_get_monotonic_time() < deadline) {
		GstMessage *m = gst_bus_timed_pop(bus, 200 * GST_MSECOND);
		if (!m)
			continue;
		switch (GST_MESSAGE_TYPE(m)) {
		case GST_MESSAGE_EOS:
			run.eos = true;
			done = true;
			break;
		case GST_MESSAGE_ERROR: {
			GError *e = nullptr;
			gchar *dbg = nullptr;
			gst_message_parse_error(m, &e, &dbg);
			if (run.errMessage.empty()) {
				run.errDomain = e->domain;
				run.errCode = e->code;
				run.errMessage = e->message;
				run.errDebug = dbg ? dbg : "";
				run.errSource = GST_OBJECT_NAME(GST_MESSAGE_SRC(m));
			}
			g_error_free(e);
			g_free(dbg);
			done = true;
			break;
		}
		case GST_MESSAGE_WARNING: {
			GError *e = nullptr;
			gchar *dbg = nullptr;
			gst_message_parse_warning(m, &e, &dbg);
			run.warnings.push_back(std::string(e->message) + " | " + (dbg ? dbg : ""));
			g_error_free(e);
			g_free(dbg);
			break;
		}
		default:
			break;
		}
		gst_message_unref(m);
	}
	EXPECT_TRUE(done) << "timeout after " << timeoutS << " s: " << desc;
	if (run.eos) {
		if (ours) {
			g_object_get(sink, "stats", &run.stats, "last-writeback", &run.writeback,
				     nullptr);
		}
		if (atEos)
			atEos(p, run);
	}
	gst_element_set_state(p, GST_STATE_NULL);
	if (ours && !run.stats)
		g_object_get(sink, "stats", &run.stats, nullptr);
	gst_object_unref(bus);
	gst_object_unref(sink);
	dmabufkit::test::unrefPipeline(p);
}

/* The 8-bit R, G, B a pixel of FORMAT should show as. */
guint64 elementUint(GstElement *pipeline, const char *element, const char *property)
{
	GstElement *e = gst_bin_get_by_name(GST_BIN(pipeline), element);
	guint64 v = G_MAXUINT64;
	if (e) {
		g_object_get(e, property, &v, nullptr);
		gst_object_unref(e);
	}
	return v;
}

std::string elementString(GstElement *pipeline, const char *element, const char *property)
{
	GstElement *e = gst_bin_get_by_name(GST_BIN(pipeline), element);
	gchar *v = nullptr;
	if (e) {
		g_object_get(e, property, &v, nullptr);
		gst_object_unref(e);
	}
	std::string s = v ? v : "";
	g_free(v);
	return s;
}

std::array<int, 3> expectedRgb(GstVideoFormat f, const uint8_t *row, int x)
{
	switch (f) {
	case GST_VIDEO_FORMAT_BGRx:
	case GST_VIDEO_FORMAT_BGRA:
		return { row[x * 4 + 2], row[x * 4 + 1], row[x * 4 + 0] };
	case GST_VIDEO_FORMAT_RGB16: {
		unsigned v = row[x * 2] | (row[x * 2 + 1] << 8);
		return { int(((v >> 11) * 255 + 15) / 31), int((((v >> 5) & 63) * 255 + 31) / 63),
			 int(((v & 31) * 255 + 15) / 31) };
	}
	case GST_VIDEO_FORMAT_BGRA64_LE: {
		auto w = [&](int i) {
			return int((unsigned(row[x * 8 + 2 * i] | (row[x * 8 + 2 * i + 1] << 8)) *
					    255u +
				    32767) /
				   65535u);
		};
		return { w(2), w(1), w(0) };
	}
	default:
		ADD_FAILURE() << "no reference conversion for " << gst_video_format_to_string(f);
		return { 0, 0, 0 };
	}
}

/*
 * Compare the frame the sink was given with the writeback capture, the frame
 * placed at (dx, dy) in it; outside, the capture must be black. Returns the
 * number of pixels that differ by more than `tol` in a channel.
 */
size_t compareWithCapture(PipelineRun &run, int tol, std::string *where, int atX, int atY)
{
	if (!run.last || !run.caps || !run.writeback) {
		*where = "missing frame, caps or writeback capture";
		return SIZE_MAX;
	}
	GstVideoInfo in, wb;
	gst_video_info_from_caps(&in, run.caps);
	gst_video_info_from_caps(&wb, gst_sample_get_caps(run.writeback));
	const int fw = GST_VIDEO_INFO_WIDTH(&in), fh = GST_VIDEO_INFO_HEIGHT(&in);
	const int mw = GST_VIDEO_INFO_WIDTH(&wb), mh = GST_VIDEO_INFO_HEIGHT(&wb);
	const int dx = atX >= 0 ? atX : (mw - fw) / 2, dy = atY >= 0 ? atY : (mh - fh) / 2;
	if (dx < 0 || dy < 0) {
		*where = "frame larger than the mode";
		return SIZE_MAX;
	}
	GstVideoFrame f;
	if (!gst_video_frame_map(&f, &in, run.last, GST_MAP_READ)) {
		*where = "cannot map the input frame";
		return SIZE_MAX;
	}
	GstMapInfo wm;
	gst_buffer_map(gst_sample_get_buffer(run.writeback), &wm, GST_MAP_READ);
	size_t bad = 0;
	for (int y = 0; y < mh; ++y) {
		const uint8_t *cap = wm.data + size_t(y) * mw * 4;
		for (int x = 0; x < mw; ++x) {
			std::array<int, 3> want{ 0, 0, 0 };
			const bool inside = x >= dx && x < dx + fw && y >= dy && y < dy + fh;
			if (inside) {
				const uint8_t *row =
					static_cast<const uint8_t *>(
						GST_VIDEO_FRAME_PLANE_DATA(&f, 0)) +
					size_t(y - dy) * GST_VIDEO_FRAME_PLANE_STRIDE(&f, 0);
				want = expectedRgb(GST_VIDEO_INFO_FORMAT(&in), row, x - dx);
			}
			const int got[3] = { cap[x * 4 + 2], cap[x * 4 + 1], cap[x * 4 + 0] };
			bool ok = true;
			for (int c = 0; c < 3; ++c)
				ok &= std::abs(got[c] - want[c]) <= tol;
			if (!ok && bad++ == 0)
				*where = "first difference at " + std::to_string(x) + "," +
					 std::to_string(y) + (inside ? " (frame)" : " (border)") +
					 ": got " + std::to_string(got[0]) + "," +
					 std::to_string(got[1]) + "," + std::to_string(got[2]) +
					 " want " + std::to_string(want[0]) + "," +
					 std::to_string(want[1]) + "," + std::to_string(want[2]);
		}
	}
	if (bad && g_getenv("DMABUFKIT_OUT")) {
		/* Leave the capture for a look (PPM). */
		static int n = 0;
		std::string path = std::string(g_getenv("DMABUFKIT_OUT")) + "/kms-mismatch-" +
				   std::to_string(n++) + ".ppm";
		if (FILE *o = std::fopen(path.c_str(), "wb")) {
			std::fprintf(o, "P6 %d %d 255\n", mw, mh);
			for (int i = 0; i < mw * mh; ++i) {
				const uint8_t px[3] = { wm.data[i * 4 + 2], wm.data[i * 4 + 1],
							wm.data[i * 4] };
				std::fwrite(px, 1, 3, o);
			}
			std::fclose(o);
			*where += " (capture saved to " + path + ")";
		}
	}
	gst_buffer_unmap(gst_sample_get_buffer(run.writeback), &wm);
	gst_video_frame_unmap(&f);
	return bad;
}

/* Push `frames` 30 fps frames made by `make` into the appsrc named "src"
 * of `p`, then EOS; `paceUs` between pushes (0: all at once). */
void pushInto(GstElement *p, int frames, const std::function<GstBuffer *(int)> &make, gulong paceUs)
{
	GstElement *src = gst_bin_get_by_name(GST_BIN(p), "src");
	for (int i = 0; i < frames; ++i) {
		if (paceUs)
			g_usleep(paceUs);
		GstBuffer *b = make(i);
		GST_BUFFER_PTS(b) = i * GST_SECOND / 30;
		GST_BUFFER_DURATION(b) = GST_SECOND / 30;
		GstFlowReturn ret;
		g_signal_emit_by_name(src, "push-buffer", b, &ret);
		gst_buffer_unref(b);
	}
	GstFlowReturn ret;
	g_signal_emit_by_name(src, "end-of-stream", &ret);
	gst_object_unref(src);
}

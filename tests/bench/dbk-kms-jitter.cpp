/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * dbk-kms-jitter PIPELINE: run a display pipeline whose sink is named
 * "sink" and print, as one JSON line, how regularly frames were rendered:
 * the intervals between buffers reaching the sink (a sink that waits for the
 * page flip, like kmssink, or for the previous flip, like dmabufkmssink, is
 * paced by the display), the sink's late drops, and dmabufkmssink's own
 * flip-event statistics when the sink has them.
 */
#include <cmath>
#include <cstdio>
#include <vector>

#include <gst/base/gstbasesink.h>
#include <gst/gst.h>

static GstPadProbeReturn onBuffer(GstPad *, GstPadProbeInfo *, gpointer data)
{
	static_cast<std::vector<gint64> *>(data)->push_back(g_get_monotonic_time());
	return GST_PAD_PROBE_OK;
}

int main(int argc, char **argv)
{
	gst_init(&argc, &argv);
	if (argc != 2) {
		std::fprintf(stderr, "usage: %s 'PIPELINE ... ! SINK name=sink'\n", argv[0]);
		return 2;
	}
	GError *err = nullptr;
	GstElement *p = gst_parse_launch(argv[1], &err);
	if (!p || err) {
		std::fprintf(stderr, "parse: %s\n", err ? err->message : "?");
		return 2;
	}
	GstElement *sink = gst_bin_get_by_name(GST_BIN(p), "sink");
	if (!sink) {
		std::fprintf(stderr, "no element named sink\n");
		return 2;
	}
	std::vector<gint64> times;
	GstPad *pad = gst_element_get_static_pad(sink, "sink");
	gst_pad_add_probe(pad, GST_PAD_PROBE_TYPE_BUFFER, onBuffer, &times, nullptr);
	gst_object_unref(pad);
	gst_element_set_state(p, GST_STATE_PLAYING);
	GstMessage *m = gst_bus_timed_pop_filtered(gst_element_get_bus(p), 300 * GST_SECOND,
						   GstMessageType(GST_MESSAGE_EOS | GST_MESSAGE_ERROR));
	const bool ok = m && GST_MESSAGE_TYPE(m) == GST_MESSAGE_EOS;
	guint64 dropped = 0;
	if (GstStructure *s = gst_base_sink_get_stats(GST_BASE_SINK(sink))) {
		gst_structure_get_uint64(s, "dropped", &dropped);
		gst_structure_free(s);
	}
	gchar *own = nullptr;
	/* GstBaseSink has a "stats" property too; only ours has flip statistics. */
	if (g_str_equal(G_OBJECT_TYPE_NAME(sink), "GstDmabufKmsSink")) {
		GstStructure *s = nullptr;
		g_object_get(sink, "stats", &s, nullptr);
		double mean = 0, jitter = 0;
		guint64 shown = 0;
		gst_structure_get_double(s, "flip-interval-mean-us", &mean);
		gst_structure_get_double(s, "flip-interval-jitter-us", &jitter);
		gst_structure_get_uint64(s, "frames-shown", &shown);
		own = g_strdup_printf(", \"frames_shown\": %" G_GUINT64_FORMAT
				      ", \"flip_interval_mean_ms\": %.3f, \"flip_interval_jitter_ms\": %.3f",
				      shown, mean / 1000, jitter / 1000);
		gst_structure_free(s);
	}
	gst_element_set_state(p, GST_STATE_NULL);
	/* Skip the first interval: it includes prerolling. */
	double sum = 0, sq = 0, max = 0;
	size_t n = 0;
	for (size_t i = 2; i < times.size(); ++i) {
		double ms = double(times[i] - times[i - 1]) / 1000.0;
		sum += ms;
		sq += ms * ms;
		max = std::max(max, ms);
		n++;
	}
	double mean = n ? sum / double(n) : 0;
	double sd = n ? std::sqrt(std::max(0.0, sq / double(n) - mean * mean)) : 0;
	std::printf("{\"ok\": %s, \"buffers\": %zu, \"late_drops\": %" G_GUINT64_FORMAT
		    ", \"render_interval_mean_ms\": %.3f, \"render_interval_jitter_ms\": %.3f, "
		    "\"render_interval_max_ms\": %.3f%s}\n",
		    ok ? "true" : "false", times.size(), dropped, mean, sd, max, own ? own : "");
	g_free(own);
	if (m)
		gst_message_unref(m);
	gst_object_unref(sink);
	gst_object_unref(p);
	return ok ? 0 : 1;
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * dbk-codec-latency: what each element of a pipeline adds to a frame's
 * latency, from buffer timestamps at its pads. Runs a gst-launch description
 * to EOS; for every element named with --element, records when each buffer
 * (by PTS) entered its sink pad and left its source pad, and prints one JSON
 * object: per element, frames matched and the median, p95 and max of
 * (left - entered) in ms, plus the element's `device-latency` property (ms)
 * when it has one.
 *
 * Usage: dbk-codec-latency --element NAME [--element NAME...] [--skip N] PIPELINE...
 * (--skip: ignore the first N frames, the start-up)
 */
#include <algorithm>
#include <cstdio>
#include <cstring>
#include <gst/gst.h>
#include <map>
#include <string>
#include <vector>

namespace {

struct Times {
	std::map<GstClockTime, GstClockTime> in, out; /* PTS -> monotonic ns */
};

GstPadProbeReturn stamp(GstPad *, GstPadProbeInfo *info, gpointer data)
{
	auto *m = static_cast<std::map<GstClockTime, GstClockTime> *>(data);
	GstBuffer *b = GST_PAD_PROBE_INFO_BUFFER(info);
	const GstClockTime now = g_get_monotonic_time() * GST_USECOND;
	if (GST_BUFFER_PTS_IS_VALID(b))
		m->emplace(GST_BUFFER_PTS(b), now);
	return GST_PAD_PROBE_OK;
}

double percentile(std::vector<double> v, double p)
{
	if (v.empty())
		return 0;
	std::sort(v.begin(), v.end());
	size_t i = std::min(v.size() - 1, size_t(p * double(v.size() - 1) + 0.5));
	return v[i];
}

} /* namespace */

int main(int argc, char **argv)
{
	gst_init(&argc, &argv);
	std::vector<std::string> names;
	unsigned skip = 0;
	std::string desc;
	for (int i = 1; i < argc; ++i) {
		if (!strcmp(argv[i], "--element") && i + 1 < argc)
			names.push_back(argv[++i]);
		else if (!strcmp(argv[i], "--skip") && i + 1 < argc)
			skip = unsigned(atoi(argv[++i]));
		else
			desc += std::string(desc.empty() ? "" : " ") + argv[i];
	}
	if (names.empty() || desc.empty()) {
		fprintf(stderr, "usage: dbk-codec-latency --element NAME... [--skip N] PIPELINE\n");
		return 2;
	}
	GError *err = nullptr;
	GstElement *p = gst_parse_launch(desc.c_str(), &err);
	if (!p) {
		fprintf(stderr, "dbk-codec-latency: %s\n", err ? err->message : "parse error");
		return 2;
	}
	/* Probes write from the streaming threads, one map per pad: no sharing. */
	std::map<std::string, Times> times;
	for (const auto &n : names) {
		GstElement *e = gst_bin_get_by_name(GST_BIN(p), n.c_str());
		if (!e) {
			fprintf(stderr, "dbk-codec-latency: no element %s\n", n.c_str());
			return 2;
		}
		GstPad *sink = gst_element_get_static_pad(e, "sink");
		GstPad *src = gst_element_get_static_pad(e, "src");
		gst_pad_add_probe(sink, GST_PAD_PROBE_TYPE_BUFFER, stamp, &times[n].in, nullptr);
		gst_pad_add_probe(src, GST_PAD_PROBE_TYPE_BUFFER, stamp, &times[n].out, nullptr);
		gst_object_unref(sink);
		gst_object_unref(src);
		gst_object_unref(e);
	}
	gst_element_set_state(p, GST_STATE_PLAYING);
	GstBus *bus = gst_element_get_bus(p);
	GstMessage *m = gst_bus_timed_pop_filtered(
		bus, 600 * GST_SECOND,
		static_cast<GstMessageType>(GST_MESSAGE_EOS | GST_MESSAGE_ERROR));
	std::string error;
	if (!m) {
		error = "timed out";
	} else if (GST_MESSAGE_TYPE(m) == GST_MESSAGE_ERROR) {
		GError *e = nullptr;
		gst_message_parse_error(m, &e, nullptr);
		error = e->message;
		g_error_free(e);
	}
	if (m)
		gst_message_unref(m);
	std::map<std::string, double> deviceMs;
	for (const auto &n : names) {
		GstElement *e = gst_bin_get_by_name(GST_BIN(p), n.c_str());
		if (g_object_class_find_property(G_OBJECT_GET_CLASS(e), "device-latency")) {
			guint64 ns = 0;
			g_object_get(e, "device-latency", &ns, nullptr);
			deviceMs[n] = double(ns) / 1e6;
		}
		gst_object_unref(e);
	}
	gst_element_set_state(p, GST_STATE_NULL);
	gst_object_unref(bus);
	gst_object_unref(p);

	printf("{");
	if (!error.empty())
		printf("\"error\": \"%s\", ", g_strescape(error.c_str(), nullptr));
	printf("\"elements\": {");
	bool first = true;
	for (const auto &n : names) {
		auto &t = times[n];
		std::vector<double> ms;
		unsigned seen = 0;
		for (const auto &[pts, in] : t.in) {
			if (seen++ < skip)
				continue;
			auto o = t.out.find(pts);
			if (o != t.out.end() && o->second >= in)
				ms.push_back(double(o->second - in) / 1e6);
		}
		printf("%s\"%s\": {\"frames\": %zu, \"median_ms\": %.3f, \"p95_ms\": %.3f, "
		       "\"max_ms\": %.3f",
		       first ? "" : ", ", n.c_str(), ms.size(), percentile(ms, 0.5),
		       percentile(ms, 0.95),
		       ms.empty() ? 0.0 : *std::max_element(ms.begin(), ms.end()));
		if (deviceMs.count(n))
			printf(", \"device_latency_ms\": %.3f", deviceMs[n]);
		printf("}");
		first = false;
	}
	printf("}}\n");
	return error.empty() ? 0 : 1;
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "filter_properties.h"

#include "gstdmabufcpufilter.h"

using namespace dmabufkit::cpufilter;

GType gst_dmabuf_cpu_filter_operation_get_type(void)
{
	static GType type = 0;
	static const GEnumValue values[] = {
		{ static_cast<gint>(Operation::Convert),
		  "Convert the format (pass through when the caps match)", "convert" },
		{ static_cast<gint>(Operation::Invert), "Invert every colour", "invert" },
		{ static_cast<gint>(Operation::Grayscale), "Remove the colour", "grayscale" },
		{ static_cast<gint>(Operation::Scale), "Scale down (thumbnails)", "scale" },
		{ static_cast<gint>(Operation::Snapshot), "Pass through, write snapshots",
		  "snapshot" },
		{ 0, nullptr, nullptr },
	};
	if (g_once_init_enter(&type))
		g_once_init_leave(&type,
				  g_enum_register_static("GstDmabufCpuFilterOperation", values));
	return type;
}

GType gst_dmabuf_cpu_filter_scale_method_get_type(void)
{
	static GType type = 0;
	static const GEnumValue values[] = {
		{ static_cast<gint>(ScaleMethod::Box), "Average of the covered pixels", "box" },
		{ static_cast<gint>(ScaleMethod::Bilinear), "Bilinear interpolation", "bilinear" },
		{ 0, nullptr, nullptr },
	};
	if (g_once_init_enter(&type))
		g_once_init_leave(&type,
				  g_enum_register_static("GstDmabufCpuFilterScaleMethod", values));
	return type;
}

namespace dmabufkit::cpufilter {

void installFilterProperties(GObjectClass *oc)
{
	const auto rw = static_cast<GParamFlags>(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
						 GST_PARAM_MUTABLE_READY);
	const auto ro = static_cast<GParamFlags>(G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

	g_object_class_install_property(
		oc, PROP_OPERATION,
		g_param_spec_enum(
			"operation", "Operation",
			"What to do with each frame: convert (pass through when the caps "
			"match), invert, grayscale, scale (down) or snapshot (pass through)",
			GST_TYPE_DMABUF_CPU_FILTER_OPERATION, static_cast<gint>(Operation::Convert),
			rw));
	g_object_class_install_property(oc, PROP_SCALE_METHOD,
					g_param_spec_enum("scale-method", "Scale method",
							  "How operation=scale computes a pixel",
							  GST_TYPE_DMABUF_CPU_FILTER_SCALE_METHOD,
							  static_cast<gint>(ScaleMethod::Bilinear),
							  rw));
	g_object_class_install_property(
		oc, PROP_N_THREADS,
		g_param_spec_uint("n-threads", "Threads",
				  "Threads a frame is split over (0: one per CPU; 1: the streaming "
				  "thread only)",
				  0, 64, 0, rw));
	g_object_class_install_property(
		oc, PROP_USE_SIMD,
		g_param_spec_boolean(
			"use-simd", "Use SIMD",
			"Use the Highway SIMD kernels (FALSE: the scalar reference, for "
			"comparison)",
			TRUE, rw));
	g_object_class_install_property(
		oc, PROP_EXPORTER,
		g_param_spec_string(
			"exporter", "Exporter",
			"Where output dma-bufs come from: \"auto\" (first exporter meeting "
			"the downstream constraints, system memory when the machine has no "
			"exporter), \"dma-heap:system\", \"dma-heap\", \"udmabuf\", "
			"\"drm-dumb\" or \"system\" (plain memory)",
			"auto", rw));
	g_object_class_install_property(
		oc, PROP_SNAPSHOT_LOCATION,
		g_param_spec_string(
			"snapshot-location", "Snapshot location",
			"PNG file name pattern with one %d (e.g. /tmp/snap-%05d.png) for "
			"snapshots; unset: no snapshots",
			nullptr, rw));
	g_object_class_install_property(
		oc, PROP_SNAPSHOT_INTERVAL,
		g_param_spec_uint(
			"snapshot-interval", "Snapshot interval",
			"Write every Nth frame as a snapshot (0: only on the \"snapshot\" "
			"action signal)",
			0, G_MAXUINT, 0,
			static_cast<GParamFlags>(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
						 GST_PARAM_MUTABLE_PLAYING)));
	g_object_class_install_property(
		oc, PROP_STATS,
		g_param_spec_boxed(
			"stats", "Statistics",
			"Counters (dmabufcpufilter/stats): frames, passthrough, in-place, "
			"input-maps and output-maps (gst_memory_map calls), dmabuf-inputs, "
			"invalid-dropped, snapshots-written/-failed/-dropped, and the "
			"import-* CPU access counters of imported input dma-bufs",
			GST_TYPE_STRUCTURE, ro));
	g_object_class_install_property(
		oc, PROP_POOL_STATS,
		g_param_spec_boxed(
			"pool-stats", "Pool statistics",
			"Statistics of the output pool (dmabufkit/pool-stats structure), "
			"kept after the element stops",
			GST_TYPE_STRUCTURE, ro));
	g_object_class_install_property(oc, PROP_FENCE_TIMEOUT, dbk_param_spec_fence_timeout());
}

bool setFilterSetting(FilterSettings &s, guint id, const GValue *value)
{
	switch (id) {
	case PROP_OPERATION:
		s.op = static_cast<Operation>(g_value_get_enum(value));
		break;
	case PROP_SCALE_METHOD:
		s.scaleMethod = static_cast<ScaleMethod>(g_value_get_enum(value));
		break;
	case PROP_N_THREADS:
		s.threads = g_value_get_uint(value);
		break;
	case PROP_USE_SIMD:
		s.simd = g_value_get_boolean(value);
		break;
	case PROP_EXPORTER: {
		const gchar *v = g_value_get_string(value);
		s.exporter = v ? v : "auto";
		break;
	}
	case PROP_SNAPSHOT_LOCATION: {
		const gchar *v = g_value_get_string(value);
		s.snapshotLocation = v ? v : "";
		break;
	}
	case PROP_SNAPSHOT_INTERVAL:
		s.snapshotInterval = g_value_get_uint(value);
		break;
	case PROP_FENCE_TIMEOUT:
		s.fenceTimeoutMs = g_value_get_int(value);
		break;
	default:
		return false;
	}
	return true;
}

bool getFilterSetting(const FilterSettings &s, guint id, GValue *value)
{
	switch (id) {
	case PROP_OPERATION:
		g_value_set_enum(value, static_cast<gint>(s.op));
		break;
	case PROP_SCALE_METHOD:
		g_value_set_enum(value, static_cast<gint>(s.scaleMethod));
		break;
	case PROP_N_THREADS:
		g_value_set_uint(value, s.threads);
		break;
	case PROP_USE_SIMD:
		g_value_set_boolean(value, s.simd);
		break;
	case PROP_EXPORTER:
		g_value_set_string(value, s.exporter.c_str());
		break;
	case PROP_SNAPSHOT_LOCATION:
		g_value_set_string(value, s.snapshotLocation.empty() ? nullptr
								     : s.snapshotLocation.c_str());
		break;
	case PROP_SNAPSHOT_INTERVAL:
		g_value_set_uint(value, s.snapshotInterval);
		break;
	case PROP_FENCE_TIMEOUT:
		g_value_set_int(value, s.fenceTimeoutMs);
		break;
	default:
		return false;
	}
	return true;
}

} /* namespace dmabufkit::cpufilter */

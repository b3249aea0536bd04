/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The list of elements and tracers the plugin registers. */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

typedef struct {
	gboolean (*register_func)(GstPlugin *plugin);
} DbkElementRegistration;

/* Terminated by an entry with a NULL register_func. */
const DbkElementRegistration *dbk_element_registrations(void);

gboolean dbk_upload_register(GstPlugin *plugin);
gboolean dbk_kms_sink_register(GstPlugin *plugin);
gboolean dbk_tracer_register(GstPlugin *plugin);
gboolean dbk_cpufilter_register(GstPlugin *plugin);
gboolean dbk_ipc_sink_register(GstPlugin *plugin);
gboolean dbk_ipc_src_register(GstPlugin *plugin);
gboolean dbk_v4l2src_register(GstPlugin *plugin);
gboolean dbk_v4l2enc_register(GstPlugin *plugin);
gboolean dbk_v4l2dec_register(GstPlugin *plugin);
gboolean dbk_v4l2convert_register(GstPlugin *plugin);
gboolean dbk_v4l2slfwhtdec_register(GstPlugin *plugin);
gboolean dbk_v4l2sink_register(GstPlugin *plugin);

G_END_DECLS

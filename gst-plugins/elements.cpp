/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "elements.h"

/* One line per element or tracer; keep sorted. */
static const DbkElementRegistration registrations[] = {
	{ dbk_cpufilter_register },
	{ dbk_ipc_sink_register },
	{ dbk_ipc_src_register },
	{ dbk_kms_sink_register },
	{ dbk_tracer_register },
	{ dbk_upload_register },
	{ dbk_v4l2convert_register },
	{ dbk_v4l2dec_register },
	{ dbk_v4l2enc_register },
	{ dbk_v4l2sink_register },
	{ dbk_v4l2slfwhtdec_register },
	{ dbk_v4l2src_register },
	{ nullptr },
};

const DbkElementRegistration *dbk_element_registrations(void)
{
	return registrations;
}

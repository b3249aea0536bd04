/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The dmabufkit GStreamer plugin: every element is registered here,
 * statically, whatever devices exist when the registry is built.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <gst/gst.h>

#include <dmabufkit/dbk_allocator.h>

#include "elements.h"

static gboolean plugin_init(GstPlugin *plugin)
{
	dbk_init();
	gboolean ok = TRUE;
	for (const DbkElementRegistration *r = dbk_element_registrations(); r->register_func; ++r)
		ok &= r->register_func(plugin);
	return ok;
}

GST_PLUGIN_DEFINE(
	GST_VERSION_MAJOR, GST_VERSION_MINOR, dmabufkit,
	"Zero-copy dma-buf video: allocator, V4L2 codecs, CPU filter, atomic KMS sink, tracer",
	plugin_init, VERSION, GST_LICENSE, GST_PACKAGE_NAME, GST_PACKAGE_ORIGIN)

/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "factory_names.h"

namespace dmabufkit::dmabuftrace {

namespace {

GQuark namesQuark()
{
	static const GQuark q = g_quark_from_static_string("dmabuftrace-factory-names");
	return q;
}

FactoryNames readFactoryNames(GstElement *element)
{
	FactoryNames names{ G_OBJECT_TYPE_NAME(element), "" };
	if (GstElementFactory *f = gst_element_get_factory(element)) {
		names.factory = GST_OBJECT_NAME(f);
		if (const gchar *k =
			    gst_element_factory_get_metadata(f, GST_ELEMENT_METADATA_KLASS))
			names.klass = k;
	}
	return names;
}

} /* namespace */

void rememberFactoryNames(GstElement *element)
{
	g_object_set_qdata_full(G_OBJECT(element), namesQuark(),
				new FactoryNames(readFactoryNames(element)),
				[](gpointer p) { delete static_cast<FactoryNames *>(p); });
}

FactoryNames factoryNamesOf(GstElement *element)
{
	if (auto *names = static_cast<FactoryNames *>(
		    g_object_get_qdata(G_OBJECT(element), namesQuark())))
		return *names;
	return readFactoryNames(element); /* made before the tracer: the registry is up */
}

} /* namespace dmabufkit::dmabuftrace */

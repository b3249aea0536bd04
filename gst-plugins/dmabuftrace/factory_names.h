/* SPDX-License-Identifier: LGPL-2.1-or-later */
/**
 * \file factory_names.h
 * \brief An element's factory name and klass, copied when the element is made.
 *
 * gst_deinit() frees the registry's factories while the publisher thread may
 * still describe elements its own references keep alive: the graph line
 * reads these copies, never the factory.
 */
#pragma once

#include <string>

#include <gst/gst.h>

namespace dmabufkit::dmabuftrace {

struct FactoryNames {
	std::string factory; /**< "videotestsrc"; the GType name without a factory */
	std::string klass;   /**< "Source/Video"; empty without a factory */
};

/** \brief Copy \a element's factory names onto it (the element-new hook). */
void rememberFactoryNames(GstElement *element);

/** \brief The names rememberFactoryNames() copied, else read from the factory now. */
FactoryNames factoryNamesOf(GstElement *element);

} /* namespace dmabufkit::dmabuftrace */

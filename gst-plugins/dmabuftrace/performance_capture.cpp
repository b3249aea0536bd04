/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "performance_capture.h"

#include <cstring>
#include <mutex>
#include <string>

#include "graph_walk.h"
#include "tracer_state.h"

namespace dmabufkit::dmabuftrace {

namespace {

TracerState *g_logState = nullptr; /* for the debug log hook */
GstDebugCategory *g_perfCategory = nullptr;
GstDebugLevel g_perfUserLevel = GST_LEVEL_NONE;
bool g_replacedDefaultLog = false;

/* A registered category by name, through the public list (nullptr if none). */
GstDebugCategory *findDebugCategory(const char *name)
{
	GSList *all = gst_debug_get_all_categories();
	GstDebugCategory *found = nullptr;
	for (GSList *l = all; l && !found; l = l->next) {
		auto *cat = static_cast<GstDebugCategory *>(l->data);
		if (!strcmp(gst_debug_category_get_name(cat), name))
			found = cat;
	}
	g_slist_free(all);
	return found;
}

} /* namespace */

/* GST_PERFORMANCE log lines name the copies stock elements make. */
static void perfLog(GstDebugCategory *cat, GstDebugLevel level, const gchar *file,
		    const gchar *function, gint line, GObject *object, GstDebugMessage *message,
		    gpointer user_data)
{
	if (cat != g_perfCategory || !g_logState)
		return;
	GstObject *o = (object && GST_IS_OBJECT(object)) ? GST_OBJECT(object) : nullptr;
	if (o && GST_IS_PAD(o))
		o = GST_OBJECT_PARENT(o);
	const gchar *text = gst_debug_message_get(message);
	if (o && GST_IS_ELEMENT(o)) {
		ElementStats *es = elementStats(g_logState, GST_ELEMENT(o));
		es->performance++;
		{
			std::lock_guard lock(es->mutex);
			es->lastPerformance = text ? text : "";
		}
		/* GST_PERFORMANCE also carries notes ("setup videoscaling"): only
		   messages about copying break the contract. */
		if (text && g_strrstr(text, "cop"))
			g_logState->contract.copied(GST_ELEMENT(o), nullptr, CopyCause::Performance,
						    text);
	}
	JsonWriter w = beginEvent(g_logState, "performance");
	w.field("element", o ? objectId(o) : std::string());
	w.field("function", function ? function : "");
	w.field("message", text ? text : "");
	w.endObject();
	pushEvent(g_logState, w);
}

/* Keeps the default output as the user asked for, without our extra level. */
static void filteredDefaultLog(GstDebugCategory *cat, GstDebugLevel level, const gchar *file,
			       const gchar *function, gint line, GObject *object,
			       GstDebugMessage *message, gpointer user_data)
{
	if (cat == g_perfCategory && level > g_perfUserLevel)
		return;
	gst_debug_log_default(cat, level, file, function, line, object, message, user_data);
}

void installPerformanceCapture(TracerState *st)
{
	/* Log functions are global: the first instance captures for itself only. */
	if (g_logState)
		return;
	g_perfCategory = findDebugCategory("GST_PERFORMANCE");
	if (!g_perfCategory || st->params.performance == Params::Perf::Off)
		return;
	/* Turning the debug system on makes every GST_DEBUG statement a call:
	   only when asked, or when it is on already. */
	if (!gst_debug_is_active()) {
		if (st->params.performance != Params::Perf::On)
			return;
		gst_debug_set_active(TRUE);
	}
	g_logState = st;
	g_perfUserLevel = gst_debug_category_get_threshold(g_perfCategory);
	if (g_perfUserLevel < GST_LEVEL_DEBUG) {
		if (!g_getenv("GST_DEBUG_FILE") &&
		    gst_debug_remove_log_function(gst_debug_log_default) > 0) {
			gst_debug_add_log_function(filteredDefaultLog, nullptr, nullptr);
			g_replacedDefaultLog = true;
		}
		gst_debug_category_set_threshold(g_perfCategory, GST_LEVEL_DEBUG);
	}
	gst_debug_add_log_function(perfLog, nullptr, nullptr);
}

void removePerformanceCapture(TracerState *st)
{
	if (!g_logState || g_logState != st)
		return;
	gst_debug_remove_log_function(perfLog);
	if (g_replacedDefaultLog) {
		gst_debug_remove_log_function(filteredDefaultLog);
		gst_debug_add_log_function(gst_debug_log_default, nullptr, nullptr);
		g_replacedDefaultLog = false;
	}
	if (g_perfCategory)
		gst_debug_category_set_threshold(g_perfCategory, g_perfUserLevel);
	g_logState = nullptr;
}

} /* namespace dmabufkit::dmabuftrace */

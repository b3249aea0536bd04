/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Constraints of the consumers behind a tee, which drops them (see
 * dbk_query_add_branch_constraints()). */
#include "dmabufkit/dbk_constraints.h"

#include "gst_log_backend.h"

#define GST_CAT_DEFAULT dmabufkit::gstLogCategory(dmabufkit::LogCategory::Allocator)

/* Elements an ALLOCATION query passes through unchanged on its way to a tee. */
static bool is_transparent(GstElement *e)
{
	GstElementFactory *f = gst_element_get_factory(e);
	const gchar *name = f ? GST_OBJECT_NAME(f) : "";
	return g_str_equal(name, "queue") || g_str_equal(name, "queue2") ||
	       g_str_equal(name, "capsfilter") || g_str_equal(name, "identity");
}

/* Ask the consumer behind @srcpad (through queues and capsfilters) and add
 * its constraints to @query; a further tee is walked into. */
static guint collect_branch(GstPad *srcpad, GstQuery *query, GstCaps *caps, gboolean need_pool,
			    guint depth);

static guint collect_from_element(GstElement *e, GstQuery *query, GstCaps *caps, gboolean need_pool,
				  guint depth)
{
	guint n = 0;
	GstIterator *it = gst_element_iterate_src_pads(e);
	GValue v = G_VALUE_INIT;
	while (gst_iterator_next(it, &v) == GST_ITERATOR_OK) {
		n += collect_branch(GST_PAD(g_value_get_object(&v)), query, caps, need_pool,
				    depth + 1);
		g_value_reset(&v);
	}
	g_value_unset(&v);
	gst_iterator_free(it);
	return n;
}

static guint collect_branch(GstPad *srcpad, GstQuery *query, GstCaps *caps, gboolean need_pool,
			    guint depth)
{
	if (depth > 8)
		return 0;
	GstPad *peer = gst_pad_get_peer(srcpad);
	if (!peer)
		return 0;
	GstElement *e = gst_pad_get_parent_element(peer);
	guint n = 0;
	if (e && e->numsrcpads > 1) {
		n = collect_from_element(e, query, caps, need_pool, depth);
	} else if (e && e->numsrcpads == 1 && is_transparent(e)) {
		n = collect_from_element(e, query, caps, need_pool, depth);
	} else {
		GstQuery *q = gst_query_new_allocation(caps, need_pool);
		if (gst_pad_peer_query(srcpad, q)) {
			for (guint i = 0; i < gst_query_get_n_allocation_metas(q); ++i) {
				const GstStructure *params = nullptr;
				if (gst_query_parse_nth_allocation_meta(q, i, &params) ==
					    DBK_CONSTRAINTS_META_API_TYPE &&
				    params) {
					gst_query_add_allocation_meta(
						query, DBK_CONSTRAINTS_META_API_TYPE, params);
					n++;
				}
			}
		}
		gst_query_unref(q);
	}
	if (e)
		gst_object_unref(e);
	gst_object_unref(peer);
	return n;
}

/**
 * dbk_query_add_branch_constraints:
 * @srcpad: the producer's source pad
 * @query: the ALLOCATION query downstream answered
 *
 * A tee keeps no allocation meta with parameters when it has several
 * branches (GStreamer 1.22), so the constraints of the consumers behind it
 * never reach the producer. When @srcpad leads (through queues and
 * capsfilters) to an element with several source pads, ask every branch's
 * consumer with a query of its own and add the constraints they state to
 * @query, so dbk_query_get_constraints() merges every consumer of the
 * buffers. Does nothing without such an element. Call it at the start of
 * decide_allocation.
 *
 * Returns: how many consumers' constraints were added
 */
guint dbk_query_add_branch_constraints(GstPad *srcpad, GstQuery *query)
{
	GstPad *peer = gst_pad_get_peer(srcpad);
	if (!peer)
		return 0;
	GstElement *first = gst_pad_get_parent_element(peer);
	gst_object_unref(peer);
	/* Find the tee: only queues and capsfilters may stand before it. */
	GstElement *e = first;
	while (e && e->numsrcpads == 1 && is_transparent(e)) {
		GstPad *out = GST_PAD(e->srcpads->data);
		GstPad *next = gst_pad_get_peer(out);
		GstElement *n = next ? gst_pad_get_parent_element(next) : nullptr;
		if (next)
			gst_object_unref(next);
		gst_object_unref(e);
		e = n;
	}
	guint added = 0;
	if (e && e->numsrcpads > 1) {
		GstCaps *caps = nullptr;
		gboolean needPool = FALSE;
		gst_query_parse_allocation(query, &caps, &needPool);
		/* The tee dropped what its branches said: ask them again. */
		added = collect_from_element(e, query, caps, needPool, 0);
		GST_INFO_OBJECT(e, "constraints of %u consumer(s) behind %s added for %s:%s", added,
				GST_OBJECT_NAME(e), GST_DEBUG_PAD_NAME(srcpad));
	}
	if (e)
		gst_object_unref(e);
	return added;
}

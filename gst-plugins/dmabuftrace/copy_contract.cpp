/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "copy_contract.h"

#include <algorithm>

#include "dmabufkit/base/log.h"

namespace dmabufkit::dmabuftrace {

namespace {

const char *causeText(CopyCause c)
{
	switch (c) {
	case CopyCause::DmaBufToOther:
		return "dma-bufs in, other memory out: it maps dma-bufs and copies them into "
		       "system memory";
	case CopyCause::OtherToDmaBuf:
		return "system memory in, dma-bufs out: it copies every frame into a dma-buf";
	case CopyCause::Performance:
		return "it reported a copy on GST_PERFORMANCE";
	}
	return "?";
}

const char *fixText(CopyCause c)
{
	switch (c) {
	case CopyCause::DmaBufToOther:
		return "use an element that works on dma-bufs (dmabufcpufilter for YUV to RGB "
		       "conversion and scaling, dmabufkmssink for display) or keep this element "
		       "off the dma-buf path";
	case CopyCause::OtherToDmaBuf:
		return "let the producer write into dma-bufs: a dmabufkit pool offered in the "
		       "ALLOCATION query (dmabufupload, dmabufkmssink) or a dma-buf source";
	case CopyCause::Performance:
		return "see the element's message; its documentation says which input it can "
		       "take without copying";
	}
	return "";
}

} /* namespace */

void CopyContract::configure(bool forbid, std::vector<std::string> links)
{
	active_ = forbid || !links.empty();
	links_ = std::move(links);
}

bool CopyContract::covers(const std::string &element, const std::string &link) const
{
	if (links_.empty())
		return true;
	/* An element-only report (GST_PERFORMANCE) concerns each of its links. */
	const bool elementOnly = link == element;
	return std::any_of(links_.begin(), links_.end(), [&](const std::string &l) {
		return l == link || l == element || (elementOnly && l.rfind(element + ":", 0) == 0);
	});
}

void CopyContract::copied(GstElement *element, GstPad *pad, CopyCause cause,
			  const std::string &detail)
{
	if (!active_ || broken_.load(std::memory_order_relaxed) || !element)
		return;
	const std::string name = GST_OBJECT_NAME(element);
	const std::string link = pad ? name + ":" + GST_PAD_NAME(pad) : name;
	if (!covers(name, link))
		return;
	bool expected = false;
	if (!broken_.compare_exchange_strong(expected, true))
		return; /* another thread reported first */
	{
		std::lock_guard lock(lock_);
		brokenOn_ = link;
	}
	std::string what = "Zero-copy contract broken: " + name + " copied a frame on " +
			   (pad ? "link " + link : "its output") + " (" + causeText(cause) + ")";
	if (!detail.empty())
		what += ": " + detail;
	const std::string debug =
		std::string("dmabuftrace forbid-copies: ") + fixText(cause) +
		". To watch only some links, set forbid-copies-on=ELEMENT:PAD+ELEMENT:PAD.";
	DBK_LOG(Tracer, Warning, "%s", what.c_str());
	GError *err = g_error_new_literal(GST_STREAM_ERROR, GST_STREAM_ERROR_FAILED, what.c_str());
	gst_element_post_message(element,
				 gst_message_new_error(GST_OBJECT(element), err, debug.c_str()));
	g_error_free(err);
}

std::string CopyContract::brokenOn() const
{
	std::lock_guard lock(lock_);
	return brokenOn_;
}

} /* namespace dmabufkit::dmabuftrace */

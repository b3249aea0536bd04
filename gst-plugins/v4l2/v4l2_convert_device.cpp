/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * dmabufv4l2convert's device: finding and opening the converter, its
 * extra controls, what its queues take, and the errors it can cause.
 */
#include <cerrno>

#include "caps_probe.h"
#include "v4l2_convert_private.h"
#include "dmabufkit/v4l2/converter_finder.h"

GST_DEBUG_CATEGORY_EXTERN(dmabuf_v4l2_convert_debug);
#define GST_CAT_DEFAULT dmabuf_v4l2_convert_debug

using namespace dmabufkit;
using namespace dmabufkit::gstv4l2;

void v4l2_convert_post_device_error(GstDmabufV4l2Convert *self, const Error &e, const char *what)
{
	switch (e.code) {
	case ENOENT:
	case ENODEV:
	case ENXIO:
		GST_ELEMENT_ERROR(self, RESOURCE, NOT_FOUND,
				  ("%s: the converter device is missing; load vim2m (or the "
				   "board's scaler driver) or set the device property",
				   what),
				  ("%s", e.message.c_str()));
		break;
	case EBUSY:
		GST_ELEMENT_ERROR(self, RESOURCE, BUSY,
				  ("%s: the converter is busy (in use by another process); stop "
				   "that process or pick another device",
				   what),
				  ("%s", e.message.c_str()));
		break;
	case EACCES:
	case EPERM:
		GST_ELEMENT_ERROR(self, RESOURCE, OPEN_READ_WRITE,
				  ("%s: no permission to open the converter; add the user to "
				   "the video group",
				   what),
				  ("%s", e.message.c_str()));
		break;
	case ETIMEDOUT:
		GST_ELEMENT_ERROR(self, RESOURCE, READ,
				  ("%s: the converter stopped delivering frames; raise "
				   "timeout-ms if the device is just slow",
				   what),
				  ("%s", e.message.c_str()));
		break;
	default:
		GST_ELEMENT_ERROR(self, RESOURCE, FAILED, ("%s: the device refused", what),
				  ("%s", e.message.c_str()));
	}
}

/* extra-controls: each field a control by name (normalised as v4l2-ctl prints it). */
static bool apply_controls(GstDmabufV4l2Convert *self)
{
	ConvertState *st = self->state;
	if (!st->extraControls)
		return true;
	for (gint i = 0; i < gst_structure_n_fields(st->extraControls); ++i) {
		const char *name = gst_structure_nth_field_name(st->extraControls, i);
		gint value = 0;
		if (!gst_structure_get_int(st->extraControls, name, &value)) {
			GST_ELEMENT_ERROR(self, RESOURCE, SETTINGS,
					  ("extra-controls: %s needs an integer value", name),
					  (nullptr));
			return false;
		}
		auto ctrl = st->dev->findControl(name);
		if (!ctrl) {
			GST_ELEMENT_ERROR(
				self, RESOURCE, SETTINGS,
				("extra-controls: %s has no control \"%s\"; list them with "
				 "v4l2-ctl -d %s --list-ctrls",
				 st->dev->path().c_str(), name, st->dev->path().c_str()),
				(nullptr));
			return false;
		}
		if (auto r = st->dev->setControl(ctrl->id, value); !r) {
			GST_ELEMENT_ERROR(self, RESOURCE, SETTINGS,
					  ("extra-controls: %s refused %s=%d",
					   st->dev->path().c_str(), name, value),
					  ("%s", r.error().message.c_str()));
			return false;
		}
		GST_INFO_OBJECT(self, "control %s = %d", name, value);
	}
	return true;
}

gboolean v4l2_convert_start(GstBaseTransform *trans)
{
	auto *self = GST_DMABUF_V4L2_CONVERT(trans);
	ConvertState *st = self->state;
	st->allocator = dbk_allocator_new();
	st->copier = std::make_unique<FrameCopier>(GST_ELEMENT(self), st->allocator);
	st->warnedCopy = false;
	std::string path = st->device;
	if (path.empty()) {
		auto node = v4l2::findConverterNode();
		if (!node) {
			v4l2_convert_post_device_error(self, node.error(),
						       "No V4L2 converter found");
			return FALSE;
		}
		path = node->path;
	}
	auto dev = v4l2::VideoDevice::open(path);
	if (!dev) {
		v4l2_convert_post_device_error(self, dev.error(), "Cannot open the converter");
		return FALSE;
	}
	if (auto no = v4l2::whyNotConverter(**dev)) {
		GST_ELEMENT_ERROR(self, RESOURCE, SETTINGS,
				  ("%s (%s) is not a converter: %s; set device to a node that "
				   "takes and gives raw video (vim2m)",
				   path.c_str(), (*dev)->info().driver.c_str(), no->c_str()),
				  (nullptr));
		return FALSE;
	}
	st->dev = std::move(dev).value();
	if (!apply_controls(self))
		return FALSE;
	GstCaps *in = cachedRawCaps(*st->dev, st->dev->outputType());
	GstCaps *out = cachedRawCaps(*st->dev, st->dev->captureType());
	GST_INFO_OBJECT(self, "%s reads %" GST_PTR_FORMAT, path.c_str(), in);
	GST_INFO_OBJECT(self, "%s writes %" GST_PTR_FORMAT, path.c_str(), out);
	GST_OBJECT_LOCK(self);
	gst_caps_replace(&st->deviceIn, in);
	gst_caps_replace(&st->deviceOut, out);
	st->deviceUsed = path;
	GST_OBJECT_UNLOCK(self);
	gst_caps_unref(in);
	gst_caps_unref(out);
	return TRUE;
}

gboolean v4l2_convert_stop(GstBaseTransform *trans)
{
	ConvertState *st = GST_DMABUF_V4L2_CONVERT(trans)->state;
	st->dropCapture();
	st->copier.reset();
	st->configured = false;
	GST_OBJECT_LOCK(trans);
	gst_caps_replace(&st->deviceIn, nullptr);
	gst_caps_replace(&st->deviceOut, nullptr);
	GST_OBJECT_UNLOCK(trans);
	st->dev.reset();
	if (st->allocator)
		gst_object_unref(st->allocator);
	st->allocator = nullptr;
	return TRUE;
}

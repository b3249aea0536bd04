/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "kms_device.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <xf86drm.h>

#include "kms_format.h"

namespace dmabufkit::kms {

namespace {

struct ResourcesDeleter {
	void operator()(drmModeRes *r) const { drmModeFreeResources(r); }
};
struct ConnectorDeleter {
	void operator()(drmModeConnector *c) const { drmModeFreeConnector(c); }
};
struct EncoderDeleter {
	void operator()(drmModeEncoder *e) const { drmModeFreeEncoder(e); }
};
struct PlaneResDeleter {
	void operator()(drmModePlaneRes *p) const { drmModeFreePlaneResources(p); }
};
struct PlaneDeleter {
	void operator()(drmModePlane *p) const { drmModeFreePlane(p); }
};
using Resources = std::unique_ptr<drmModeRes, ResourcesDeleter>;
using Connector = std::unique_ptr<drmModeConnector, ConnectorDeleter>;
using Encoder = std::unique_ptr<drmModeEncoder, EncoderDeleter>;
using PlaneRes = std::unique_ptr<drmModePlaneRes, PlaneResDeleter>;
using Plane = std::unique_ptr<drmModePlane, PlaneDeleter>;

std::string connectorLabel(const drmModeConnector *c)
{
	const char *type = drmModeGetConnectorTypeName(c->connector_type);
	return std::string(type ? type : "Unknown") + "-" + std::to_string(c->connector_type_id);
}

/* Bit mask of the CRTC indices a connector can drive. */
uint32_t possibleCrtcs(int fd, const drmModeConnector *c)
{
	uint32_t mask = 0;
	for (int i = 0; i < c->count_encoders; ++i) {
		Encoder e(drmModeGetEncoder(fd, c->encoders[i]));
		if (e)
			mask |= e->possible_crtcs;
	}
	return mask;
}

std::string idList(const uint32_t *ids, int n)
{
	std::string s;
	for (int i = 0; i < n; ++i)
		s += (i ? ", " : "") + std::to_string(ids[i]);
	return s.empty() ? "none" : s;
}

/* DRM master check: the first opener of a node becomes master; anybody else
 * only if the current master dropped it. */
Result<void> becomeMaster(int fd, const std::string &path)
{
	if (drmIsMaster(fd))
		return {};
	if (drmSetMaster(fd) == 0)
		return {};
	return Error{ EBUSY, "KMS device " + path +
				     " is busy: another process (a compositor, a display server or "
				     "another KMS sink) is DRM master. Stop it, or choose another "
				     "device with the device property" };
}

} /* namespace */

Result<ObjectProperties> ObjectProperties::read(int fd, uint32_t id, uint32_t type)
{
	drmModeObjectProperties *p = drmModeObjectGetProperties(fd, id, type);
	if (!p)
		return Error::fromErrno(errno, "drmModeObjectGetProperties(" + std::to_string(id) + ")");
	ObjectProperties out;
	out.objectId = id;
	out.objectType = type;
	for (uint32_t i = 0; i < p->count_props; ++i) {
		drmModePropertyRes *prop = drmModeGetProperty(fd, p->props[i]);
		if (!prop)
			continue;
		out.props[prop->name] = { prop->prop_id, p->prop_values[i] };
		drmModeFreeProperty(prop);
	}
	drmModeFreeObjectProperties(p);
	return out;
}

uint32_t ObjectProperties::id(const std::string &name) const
{
	auto it = props.find(name);
	return it == props.end() ? 0 : it->second.first;
}

uint64_t ObjectProperties::value(const std::string &name) const
{
	auto it = props.find(name);
	return it == props.end() ? 0 : it->second.second;
}

std::string modeName(const drmModeModeInfo &m)
{
	return std::to_string(m.hdisplay) + "x" + std::to_string(m.vdisplay) + "@" +
	       std::to_string(modeRefresh(m));
}

uint32_t modeRefresh(const drmModeModeInfo &m)
{
	if (m.vrefresh)
		return m.vrefresh;
	if (!m.htotal || !m.vtotal)
		return 0;
	return static_cast<uint32_t>((m.clock * 1000ull + m.htotal * m.vtotal / 2) /
				     (static_cast<uint64_t>(m.htotal) * m.vtotal));
}

std::vector<std::string> listCardNodes(const std::string &dir)
{
	std::vector<std::pair<int, std::string>> found;
	if (DIR *d = opendir(dir.c_str())) {
		while (dirent *e = readdir(d)) {
			int n = 0;
			char tail = 0;
			if (std::sscanf(e->d_name, "card%d%c", &n, &tail) == 1)
				found.emplace_back(n, dir + "/" + e->d_name);
		}
		closedir(d);
	}
	std::sort(found.begin(), found.end());
	std::vector<std::string> out;
	for (auto &f : found)
		out.push_back(f.second);
	return out;
}

KmsDevice::~KmsDevice() = default;

Result<std::unique_ptr<KmsDevice>> KmsDevice::open(const DeviceSelection &sel)
{
	if (!sel.device.empty())
		return openOne(sel.device, sel);
	auto nodes = listCardNodes(sel.devDir);
	if (nodes.empty())
		return Error{ ENODEV, "no KMS device: " + sel.devDir +
					      " has no card* node (no DRM driver loaded, or no "
					      "access); set device= to a KMS device node" };
	std::string why;
	bool busy = false;
	for (const auto &n : nodes) {
		auto d = openOne(n, sel);
		if (d)
			return d;
		busy |= d.error().code == EBUSY;
		why += "; " + d.error().message;
	}
	std::string what = sel.driver.empty() ? "" : " of driver " + sel.driver;
	return Error{ busy ? EBUSY : ENODEV,
		      "no usable KMS device" + what + " with a connected connector" + why };
}

Result<std::unique_ptr<KmsDevice>> KmsDevice::openOne(const std::string &path,
						     const DeviceSelection &sel)
{
	UniqueFD fd(::open(path.c_str(), O_RDWR | O_CLOEXEC));
	if (!fd)
		return Error::fromErrno(errno, "cannot open KMS device " + path);
	drmVersionPtr v = drmGetVersion(fd.get());
	if (!v)
		return Error{ ENODEV, path + " is not a DRM device" };
	std::string driver(v->name, v->name_len);
	drmFreeVersion(v);
	if (!sel.driver.empty() && driver != sel.driver)
		return Error{ ENODEV, path + " is driver " + driver + ", not " + sel.driver };
	if (drmSetClientCap(fd.get(), DRM_CLIENT_CAP_UNIVERSAL_PLANES, 1) != 0 ||
	    drmSetClientCap(fd.get(), DRM_CLIENT_CAP_ATOMIC, 1) != 0)
		return Error{ EOPNOTSUPP, path + " (" + driver + ") has no atomic modesetting" };
	if (sel.writeback)
		drmSetClientCap(fd.get(), DRM_CLIENT_CAP_WRITEBACK_CONNECTORS, 1);

	std::unique_ptr<KmsDevice> dev(new KmsDevice);
	dev->fd_ = std::move(fd);
	dev->path_ = path;
	dev->driver_ = driver;
	uint64_t cap = 0;
	dev->monotonic_ = drmGetCap(dev->fd(), DRM_CAP_TIMESTAMP_MONOTONIC, &cap) == 0 && cap;
	if (auto r = dev->chooseOutput(sel); !r)
		return Error{ r.error().code, path + " (" + driver + "): " + r.error().message };
	if (auto r = becomeMaster(dev->fd(), path); !r)
		return r.error();
	return dev;
}

Result<void> KmsDevice::chooseOutput(const DeviceSelection &sel)
{
	const int fd = fd_.get();
	Resources res(drmModeGetResources(fd));
	if (!res)
		return Error::fromErrno(errno, "drmModeGetResources");
	maxWidth_ = res->max_width;
	maxHeight_ = res->max_height;

	/* Connector */
	Connector conn;
	std::string seen;
	for (int i = 0; i < res->count_connectors && !conn; ++i) {
		Connector c(drmModeGetConnector(fd, res->connectors[i]));
		if (!c)
			continue;
		if (sel.connectorId && c->connector_id != sel.connectorId)
			continue;
		seen += (seen.empty() ? "" : ", ") + connectorLabel(c.get()) + " (" +
			std::to_string(c->connector_id) + ", " +
			(c->connection == DRM_MODE_CONNECTED ? "connected" : "not connected") + ")";
		if (c->connector_type == DRM_MODE_CONNECTOR_WRITEBACK ||
		    c->connection != DRM_MODE_CONNECTED || c->count_modes == 0)
			continue;
		conn = std::move(c);
	}
	if (!conn) {
		if (sel.connectorId)
			return Error{ ENOENT, "connector " + std::to_string(sel.connectorId) +
						      " is not a connected display connector (connectors: " +
						      idList(res->connectors, res->count_connectors) + ")" };
		return Error{ ENODEV, "no connected connector (" + (seen.empty() ? "none" : seen) + ")" };
	}
	connectorName_ = connectorLabel(conn.get());
	modes_.assign(conn->modes, conn->modes + conn->count_modes);
	auto cprops = ObjectProperties::read(fd, conn->connector_id, DRM_MODE_OBJECT_CONNECTOR);
	if (!cprops)
		return cprops.error();
	connector_ = std::move(*cprops);

	/* CRTC */
	const uint32_t possible = possibleCrtcs(fd, conn.get());
	uint32_t crtcId = sel.crtcId ? sel.crtcId : static_cast<uint32_t>(connector_.value("CRTC_ID"));
	crtcIndex_ = -1;
	for (int i = 0; i < res->count_crtcs; ++i) {
		if (crtcId ? res->crtcs[i] == crtcId : (possible & (1u << i)) != 0) {
			crtcIndex_ = i;
			break;
		}
	}
	if (crtcIndex_ < 0 || !(possible & (1u << crtcIndex_)))
		return Error{ ENOENT, sel.crtcId ? "CRTC " + std::to_string(sel.crtcId) +
							   " does not exist or cannot drive " + connectorName_ +
							   " (CRTCs: " + idList(res->crtcs, res->count_crtcs) + ")"
						 : "no CRTC can drive " + connectorName_ };
	auto crtcProps = ObjectProperties::read(fd, res->crtcs[crtcIndex_], DRM_MODE_OBJECT_CRTC);
	if (!crtcProps)
		return crtcProps.error();
	crtc_ = std::move(*crtcProps);
	if (crtc_.value("ACTIVE") && crtc_.value("MODE_ID")) {
		drmModePropertyBlobRes *blob = drmModeGetPropertyBlob(fd, static_cast<uint32_t>(crtc_.value("MODE_ID")));
		if (blob && blob->length >= sizeof(drmModeModeInfo)) {
			drmModeModeInfo m;
			std::memcpy(&m, blob->data, sizeof(m));
			savedMode_ = m;
		}
		if (blob)
			drmModeFreePropertyBlob(blob);
	}

	/* Plane: the one asked for, else the CRTC's primary plane. */
	PlaneRes planes(drmModeGetPlaneResources(fd));
	if (!planes)
		return Error::fromErrno(errno, "drmModeGetPlaneResources");
	std::optional<ObjectProperties> chosen;
	std::vector<uint32_t> chosenFormats;
	for (uint32_t i = 0; i < planes->count_planes; ++i) {
		Plane pl(drmModeGetPlane(fd, planes->planes[i]));
		if (!pl || !(pl->possible_crtcs & (1u << crtcIndex_)))
			continue;
		if (sel.planeId && pl->plane_id != sel.planeId)
			continue;
		auto pp = ObjectProperties::read(fd, pl->plane_id, DRM_MODE_OBJECT_PLANE);
		if (!pp)
			continue;
		const uint64_t type = pp->value("type");
		if (!sel.planeId && type != DRM_PLANE_TYPE_PRIMARY)
			continue;
		planeType_ = type;
		chosen = std::move(*pp);
		chosenFormats.assign(pl->formats, pl->formats + pl->count_formats);
		break;
	}
	if (!chosen)
		return Error{ ENOENT, sel.planeId ? "plane " + std::to_string(sel.planeId) +
							    " does not exist or cannot be used with CRTC " +
							    std::to_string(crtc_.objectId) + " (planes: " +
							    idList(planes->planes, int(planes->count_planes)) + ")"
						  : "CRTC " + std::to_string(crtc_.objectId) + " has no primary plane" };
	plane_ = std::move(*chosen);
	planeFormats_ = std::move(chosenFormats);

	/* Writeback connector that can attach to our CRTC. */
	if (sel.writeback) {
		for (int i = 0; i < res->count_connectors; ++i) {
			Connector c(drmModeGetConnector(fd, res->connectors[i]));
			if (!c || c->connector_type != DRM_MODE_CONNECTOR_WRITEBACK ||
			    !(possibleCrtcs(fd, c.get()) & (1u << crtcIndex_)))
				continue;
			auto wp = ObjectProperties::read(fd, c->connector_id, DRM_MODE_OBJECT_CONNECTOR);
			if (!wp || !wp->has("WRITEBACK_FB_ID") || !wp->has("WRITEBACK_OUT_FENCE_PTR"))
				continue;
			if (drmModePropertyBlobRes *blob = drmModeGetPropertyBlob(
				    fd, static_cast<uint32_t>(wp->value("WRITEBACK_PIXEL_FORMATS")))) {
				const auto *f = static_cast<const uint32_t *>(blob->data);
				writebackFormats_.assign(f, f + blob->length / sizeof(uint32_t));
				drmModeFreePropertyBlob(blob);
			}
			writeback_ = std::move(*wp);
			break;
		}
	}
	return {};
}

std::string KmsDevice::describe() const
{
	std::string fmts;
	for (uint32_t f : planeFormats_)
		fmts += (fmts.empty() ? "" : ",") + fourccName(f);
	return path_ + " (" + driver_ + "), connector " + connectorName_ + " (" +
	       std::to_string(connectorId()) + "), CRTC " + std::to_string(crtcId()) + ", " +
	       (planeIsPrimary() ? "primary" : "overlay") + " plane " + std::to_string(planeId()) +
	       " [" + fmts + "]" +
	       (writeback_ ? ", writeback connector " + std::to_string(writeback_->objectId) : "");
}

Result<void> KmsDevice::restore()
{
	const int fd = fd_.get();
	drmModeAtomicReq *req = drmModeAtomicAlloc();
	if (!req)
		return Error{ ENOMEM, "drmModeAtomicAlloc" };
	uint32_t blob = 0;
	auto add = [&](const ObjectProperties &o, const char *name, uint64_t v) {
		if (uint32_t id = o.id(name))
			drmModeAtomicAddProperty(req, o.objectId, id, v);
	};
	if (savedMode_) {
		if (drmModeCreatePropertyBlob(fd, &*savedMode_, sizeof(*savedMode_), &blob) != 0)
			blob = 0;
		add(crtc_, "MODE_ID", blob);
		add(crtc_, "ACTIVE", 1);
	} else {
		add(crtc_, "MODE_ID", 0);
		add(crtc_, "ACTIVE", 0);
	}
	add(connector_, "CRTC_ID", connector_.value("CRTC_ID"));
	for (const char *p : { "FB_ID", "CRTC_ID", "SRC_X", "SRC_Y", "SRC_W", "SRC_H", "CRTC_X",
			       "CRTC_Y", "CRTC_W", "CRTC_H" })
		add(plane_, p, plane_.value(p));
	if (writeback_)
		add(*writeback_, "CRTC_ID", writeback_->value("CRTC_ID"));
	int ret = drmModeAtomicCommit(fd, req, DRM_MODE_ATOMIC_ALLOW_MODESET, nullptr);
	int err = errno;
	if (ret != 0 && plane_.value("FB_ID")) {
		/* The framebuffer shown before us is gone (its owner closed it): leave the plane off. */
		drmModeAtomicSetCursor(req, 0);
		if (savedMode_) {
			add(crtc_, "MODE_ID", blob);
			add(crtc_, "ACTIVE", 1);
		} else {
			add(crtc_, "MODE_ID", 0);
			add(crtc_, "ACTIVE", 0);
		}
		add(connector_, "CRTC_ID", connector_.value("CRTC_ID"));
		add(plane_, "FB_ID", 0);
		add(plane_, "CRTC_ID", 0);
		if (writeback_)
			add(*writeback_, "CRTC_ID", writeback_->value("CRTC_ID"));
		ret = drmModeAtomicCommit(fd, req, DRM_MODE_ATOMIC_ALLOW_MODESET, nullptr);
		err = errno;
	}
	drmModeAtomicFree(req);
	if (blob)
		drmModeDestroyPropertyBlob(fd, blob);
	if (ret != 0)
		return Error::fromErrno(err, "restoring the previous state of CRTC " +
						     std::to_string(crtc_.objectId) + " on " + path_);
	return {};
}

} /* namespace dmabufkit::kms */

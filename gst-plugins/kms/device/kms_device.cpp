/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "kms_device.h"

#include <algorithm>
#include <cinttypes>
#include <cerrno>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <xf86drm.h>

#include "dmabufkit/base/log.h"
#include "kms_format.h"
#include "kms_property_blob.h"

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
struct BlobDataDeleter {
	void operator()(drmModePropertyBlobRes *b) const { drmModeFreePropertyBlob(b); }
};
using Resources = std::unique_ptr<drmModeRes, ResourcesDeleter>;
using Connector = std::unique_ptr<drmModeConnector, ConnectorDeleter>;
using Encoder = std::unique_ptr<drmModeEncoder, EncoderDeleter>;
using PlaneRes = std::unique_ptr<drmModePlaneRes, PlaneResDeleter>;
using Plane = std::unique_ptr<drmModePlane, PlaneDeleter>;
using BlobData = std::unique_ptr<drmModePropertyBlobRes, BlobDataDeleter>;

const char *planeTypeName(uint64_t type)
{
	switch (type) {
	case DRM_PLANE_TYPE_PRIMARY:
		return "primary";
	case DRM_PLANE_TYPE_OVERLAY:
		return "overlay";
	case DRM_PLANE_TYPE_CURSOR:
		return "cursor";
	}
	return "unknown";
}

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
	if (drmSetMaster(fd) == 0) {
		DBK_LOG(Kms, Debug, "%s: became DRM master", path.c_str());
		return {};
	}
	return Error{ EBUSY, "KMS device " + path +
				     " is busy: another process (a compositor, a display server or "
				     "another KMS sink) is DRM master. Stop it, or choose another "
				     "device with the device property" };
}

} /* namespace */

Result<ObjectProperties> ObjectProperties::read(int fd, uint32_t id, uint32_t type)
{
	drmModeObjectProperties *p = drmModeObjectGetProperties(fd, id, type);
	if (!p) {
		const int err = errno;
		DBK_LOG(Kms, Error, "DRM fd %d: drmModeObjectGetProperties(%u) failed: %s", fd, id,
			std::strerror(err));
		return Error::fromErrno(err,
					"drmModeObjectGetProperties(" + std::to_string(id) + ")");
	}
	ObjectProperties out;
	out.objectId = id;
	out.objectType = type;
	for (uint32_t i = 0; i < p->count_props; ++i) {
		drmModePropertyRes *prop = drmModeGetProperty(fd, p->props[i]);
		if (!prop) {
			DBK_LOG(Kms, Warning,
				"DRM fd %d: drmModeGetProperty(%u) of object %u failed: %s", fd,
				p->props[i], id, std::strerror(errno));
			continue;
		}
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
	if (!sel.device.empty()) {
		DBK_LOG(Kms, Debug, "opening the requested KMS device %s", sel.device.c_str());
		auto d = openOne(sel.device, sel);
		if (!d)
			DBK_LOG(Kms, Error, "%s", d.error().message.c_str());
		return d;
	}
	auto nodes = listCardNodes(sel.devDir);
	if (nodes.empty()) {
		DBK_LOG(Kms, Error, "no KMS device: %s has no card* node", sel.devDir.c_str());
		return Error{ ENODEV, "no KMS device: " + sel.devDir +
					      " has no card* node (no DRM driver loaded, or no "
					      "access); set device= to a KMS device node" };
	}
	std::string why;
	bool busy = false;
	for (const auto &n : nodes) {
		auto d = openOne(n, sel);
		if (d)
			return d;
		DBK_LOG(Kms, Debug, "skipping %s: %s", n.c_str(), d.error().message.c_str());
		busy |= d.error().code == EBUSY;
		why += "; " + d.error().message;
	}
	std::string what = sel.driver.empty() ? "" : " of driver " + sel.driver;
	Error e{ busy ? EBUSY : ENODEV,
		 "no usable KMS device" + what + " with a connected connector" + why };
	DBK_LOG(Kms, Error, "%s", e.message.c_str());
	return e;
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
	    drmSetClientCap(fd.get(), DRM_CLIENT_CAP_ATOMIC, 1) != 0) {
		DBK_LOG(Kms, Debug, "%s (%s): DRM_CLIENT_CAP_ATOMIC refused: %s", path.c_str(),
			driver.c_str(), std::strerror(errno));
		return Error{ EOPNOTSUPP, path + " (" + driver + ") has no atomic modesetting" };
	}
	if (sel.writeback && drmSetClientCap(fd.get(), DRM_CLIENT_CAP_WRITEBACK_CONNECTORS, 1) != 0)
		DBK_LOG(Kms, Warning,
			"%s (%s): DRM_CLIENT_CAP_WRITEBACK_CONNECTORS refused (%s): no writeback "
			"connector will be found",
			path.c_str(), driver.c_str(), std::strerror(errno));

	std::unique_ptr<KmsDevice> dev(new KmsDevice);
	dev->fd_ = std::move(fd);
	dev->path_ = path;
	dev->driver_ = driver;
	uint64_t cap = 0;
	dev->monotonic_ = drmGetCap(dev->fd(), DRM_CAP_TIMESTAMP_MONOTONIC, &cap) == 0 && cap;
	DBK_LOG(Kms, Debug, "%s: driver %s, atomic modesetting, %s page-flip timestamps",
		path.c_str(), driver.c_str(), dev->monotonic_ ? "monotonic" : "non-monotonic");
	if (auto r = dev->chooseOutput(sel); !r)
		return Error{ r.error().code, path + " (" + driver + "): " + r.error().message };
	if (auto r = becomeMaster(dev->fd(), path); !r)
		return r.error();
	DBK_LOG(Kms, Info, "opened %s", dev->describe().c_str());
	return dev;
}

Result<void> KmsDevice::chooseOutput(const DeviceSelection &sel)
{
	const int fd = fd_.get();
	Resources res(drmModeGetResources(fd));
	if (!res) {
		const int err = errno;
		DBK_LOG(Kms, Error, "%s: drmModeGetResources failed: %s", name().c_str(),
			std::strerror(err));
		return Error::fromErrno(err, "drmModeGetResources");
	}
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
			return Error{
				ENOENT,
				"connector " + std::to_string(sel.connectorId) +
					" is not a connected display connector (connectors: " +
					idList(res->connectors, res->count_connectors) + ")"
			};
		return Error{ ENODEV,
			      "no connected connector (" + (seen.empty() ? "none" : seen) + ")" };
	}
	connectorName_ = connectorLabel(conn.get());
	modes_.assign(conn->modes, conn->modes + conn->count_modes);
	DBK_LOG(Kms, Info, "%s: connector %s (%u) chosen: %s, %d modes (connectors seen: %s)",
		name().c_str(), connectorName_.c_str(), conn->connector_id,
		sel.connectorId ? "requested" : "first connected display connector",
		conn->count_modes, seen.c_str());
	auto cprops = ObjectProperties::read(fd, conn->connector_id, DRM_MODE_OBJECT_CONNECTOR);
	if (!cprops)
		return cprops.error();
	connector_ = std::move(*cprops);

	/* CRTC */
	const uint32_t possible = possibleCrtcs(fd, conn.get());
	uint32_t crtcId =
		sel.crtcId ? sel.crtcId : static_cast<uint32_t>(connector_.value("CRTC_ID"));
	crtcIndex_ = -1;
	for (int i = 0; i < res->count_crtcs; ++i) {
		if (crtcId ? res->crtcs[i] == crtcId : (possible & (1u << i)) != 0) {
			crtcIndex_ = i;
			break;
		}
	}
	if (crtcIndex_ < 0 || !(possible & (1u << crtcIndex_)))
		return Error{ ENOENT, sel.crtcId
					      ? "CRTC " + std::to_string(sel.crtcId) +
							" does not exist or cannot drive " +
							connectorName_ + " (CRTCs: " +
							idList(res->crtcs, res->count_crtcs) + ")"
					      : "no CRTC can drive " + connectorName_ };
	auto crtcProps = ObjectProperties::read(fd, res->crtcs[crtcIndex_], DRM_MODE_OBJECT_CRTC);
	if (!crtcProps)
		return crtcProps.error();
	crtc_ = std::move(*crtcProps);
	DBK_LOG(Kms, Info, "%s: CRTC %u (index %d) chosen: %s", name().c_str(), crtc_.objectId,
		crtcIndex_,
		sel.crtcId ? "requested"
		: crtcId   ? "the connector's current CRTC"
			   : "the first CRTC that can drive the connector");
	if (crtc_.value("ACTIVE") && crtc_.value("MODE_ID")) {
		BlobData blob(
			drmModeGetPropertyBlob(fd, static_cast<uint32_t>(crtc_.value("MODE_ID"))));
		if (blob && blob->length >= sizeof(drmModeModeInfo)) {
			drmModeModeInfo m;
			std::memcpy(&m, blob->data, sizeof(m));
			savedMode_ = m;
			DBK_LOG(Kms, Debug, "%s: CRTC %u runs mode %s at open", name().c_str(),
				crtc_.objectId, modeName(m).c_str());
		} else {
			DBK_LOG(Kms, Warning,
				"%s: cannot read the MODE_ID blob of active CRTC %u (%s); the mode "
				"in "
				"use at open will not be restored",
				name().c_str(), crtc_.objectId,
				blob ? "too short" : std::strerror(errno));
		}
	} else {
		DBK_LOG(Kms, Debug, "%s: CRTC %u is inactive at open", name().c_str(),
			crtc_.objectId);
	}

	/* Plane: the one asked for, else the CRTC's primary plane. */
	PlaneRes planes(drmModeGetPlaneResources(fd));
	if (!planes) {
		const int err = errno;
		DBK_LOG(Kms, Error, "%s: drmModeGetPlaneResources failed: %s", name().c_str(),
			std::strerror(err));
		return Error::fromErrno(err, "drmModeGetPlaneResources");
	}
	std::optional<ObjectProperties> chosen;
	std::vector<uint32_t> chosenFormats;
	for (uint32_t i = 0; i < planes->count_planes; ++i) {
		Plane pl(drmModeGetPlane(fd, planes->planes[i]));
		if (!pl || !(pl->possible_crtcs & (1u << crtcIndex_)))
			continue;
		if (sel.planeId && pl->plane_id != sel.planeId)
			continue;
		auto pp = ObjectProperties::read(fd, pl->plane_id, DRM_MODE_OBJECT_PLANE);
		if (!pp) {
			DBK_LOG(Kms, Warning, "%s: skipping plane %u: %s", name().c_str(),
				pl->plane_id, pp.error().message.c_str());
			continue;
		}
		const uint64_t type = pp->value("type");
		if (!sel.planeId && type != DRM_PLANE_TYPE_PRIMARY) {
			DBK_LOG(Kms, Debug, "%s: plane %u is a %s plane, not the primary one",
				name().c_str(), pl->plane_id, planeTypeName(type));
			continue;
		}
		planeType_ = type;
		chosen = std::move(*pp);
		chosenFormats.assign(pl->formats, pl->formats + pl->count_formats);
		break;
	}
	if (!chosen)
		return Error{
			ENOENT,
			sel.planeId
				? "plane " + std::to_string(sel.planeId) +
					  " does not exist or cannot be used with CRTC " +
					  std::to_string(crtc_.objectId) + " (planes: " +
					  idList(planes->planes, int(planes->count_planes)) + ")"
				: "CRTC " + std::to_string(crtc_.objectId) + " has no primary plane"
		};
	plane_ = std::move(*chosen);
	planeFormats_ = std::move(chosenFormats);
	{
		std::string fmts;
		for (uint32_t f : planeFormats_)
			fmts += (fmts.empty() ? "" : ",") + fourccName(f);
		DBK_LOG(Kms, Info, "%s: %s plane %u chosen (%s), formats %s", name().c_str(),
			planeTypeName(planeType_), plane_.objectId,
			sel.planeId ? "requested" : "the CRTC's primary plane", fmts.c_str());
	}

	/* Writeback connector that can attach to our CRTC. */
	if (sel.writeback) {
		for (int i = 0; i < res->count_connectors; ++i) {
			Connector c(drmModeGetConnector(fd, res->connectors[i]));
			if (!c || c->connector_type != DRM_MODE_CONNECTOR_WRITEBACK ||
			    !(possibleCrtcs(fd, c.get()) & (1u << crtcIndex_)))
				continue;
			auto wp = ObjectProperties::read(fd, c->connector_id,
							 DRM_MODE_OBJECT_CONNECTOR);
			if (!wp || !wp->has("WRITEBACK_FB_ID") ||
			    !wp->has("WRITEBACK_OUT_FENCE_PTR")) {
				DBK_LOG(Kms, Warning,
					"%s: writeback connector %u lacks WRITEBACK_FB_ID or "
					"WRITEBACK_OUT_FENCE_PTR; skipped",
					name().c_str(), c->connector_id);
				continue;
			}
			if (BlobData blob{ drmModeGetPropertyBlob(
				    fd, static_cast<uint32_t>(
						wp->value("WRITEBACK_PIXEL_FORMATS"))) }) {
				const auto *f = static_cast<const uint32_t *>(blob->data);
				writebackFormats_.assign(f, f + blob->length / sizeof(uint32_t));
			} else {
				DBK_LOG(Kms, Warning,
					"%s: cannot read WRITEBACK_PIXEL_FORMATS of connector %u: "
					"%s",
					name().c_str(), c->connector_id, std::strerror(errno));
			}
			writeback_ = std::move(*wp);
			DBK_LOG(Kms, Info,
				"%s: writeback connector %u attaches to CRTC %u (%zu formats)",
				name().c_str(), writeback_->objectId, crtc_.objectId,
				writebackFormats_.size());
			break;
		}
		if (!writeback_)
			DBK_LOG(Kms, Warning, "%s: no writeback connector can attach to CRTC %u",
				name().c_str(), crtc_.objectId);
	}
	return {};
}

std::vector<ModeCandidate> KmsDevice::modeCandidates(std::optional<size_t> *current) const
{
	std::vector<ModeCandidate> out;
	for (const auto &m : modes_)
		out.push_back({ m.hdisplay, m.vdisplay, modeRefresh(m),
				(m.type & DRM_MODE_TYPE_PREFERRED) != 0, m.name });
	if (current && savedMode_) {
		const auto &cm = *savedMode_;
		*current = std::nullopt;
		for (size_t i = 0; i < modes_.size(); ++i)
			if (std::memcmp(&modes_[i], &cm, sizeof(cm)) == 0)
				*current = i;
		if (!*current) {
			DBK_LOG(Kms, Debug, "%s: the mode at open (%s) is not among %s's modes",
				name().c_str(), modeName(cm).c_str(), connectorName_.c_str());
			out.push_back(
				{ cm.hdisplay, cm.vdisplay, modeRefresh(cm), false, cm.name });
			*current = out.size() - 1;
		}
	}
	return out;
}

drmModeModeInfo KmsDevice::modeAt(size_t i) const
{
	return i < modes_.size() ? modes_[i] : *savedMode_;
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
	DBK_LOG(Kms, Debug, "%s: restoring CRTC %u (%s), plane %u FB %" PRIu64, name().c_str(),
		crtc_.objectId, savedMode_ ? modeName(*savedMode_).c_str() : "inactive",
		plane_.objectId, plane_.value("FB_ID"));
	/* Without a blob (creation failed), MODE_ID 0 with ACTIVE 1 makes the
	 * commit fail and the failure is reported. */
	PropertyBlob modeBlob;
	if (savedMode_) {
		auto b = PropertyBlob::create(fd, &*savedMode_, sizeof(*savedMode_), name());
		if (b)
			modeBlob = std::move(*b);
	}
	const uint32_t blob = modeBlob.id();
	auto add = [&](const ObjectProperties &o, const char *name, uint64_t v) {
		if (uint32_t id = o.id(name))
			drmModeAtomicAddProperty(req, o.objectId, id, v);
	};
	if (savedMode_) {
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
		/* The framebuffer shown before us is gone (its owner closed it): leave the plane
		 * off. */
		DBK_LOG(Kms, Warning,
			"%s: restoring plane %u with its previous framebuffer %" PRIu64
			" failed (%s); restoring with the plane off",
			name().c_str(), plane_.objectId, plane_.value("FB_ID"), std::strerror(err));
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
	if (ret != 0) {
		Error e = Error::fromErrno(err, "restoring the previous state of CRTC " +
							std::to_string(crtc_.objectId) + " on " +
							path_);
		DBK_LOG(Kms, Error, "%s", e.message.c_str());
		return e;
	}
	DBK_LOG(Kms, Info, "%s: restored the state found at open", name().c_str());
	return {};
}

} /* namespace dmabufkit::kms */

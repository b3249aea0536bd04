/* SPDX-License-Identifier: LGPL-2.1-or-later */
/**
 * \file kms_device.h
 * \brief An atomic KMS device and the output (connector, CRTC, plane) chosen on it.
 */
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>
#include <xf86drmMode.h>

#include "dmabufkit/base/result.h"
#include "dmabufkit/base/unique_fd.h"
#include "kms_mode.h"

namespace dmabufkit::kms {

/** \brief The properties of one KMS object: name -> (id, value at read time). */
struct ObjectProperties {
	uint32_t objectId = 0;
	uint32_t objectType = 0;
	std::map<std::string, std::pair<uint32_t, uint64_t>> props;

	/** \brief Read every property of \a id. */
	static Result<ObjectProperties> read(int fd, uint32_t id, uint32_t type);
	bool has(const std::string &name) const { return props.count(name) > 0; }
	uint32_t id(const std::string &name) const;
	uint64_t value(const std::string &name) const;
};

/** \brief What the user asked for (element properties); 0 / empty = automatic. */
struct DeviceSelection {
	std::string device; /**< /dev/dri/cardN */
	std::string driver; /**< driver name, e.g. "vkms" */
	uint32_t connectorId = 0;
	uint32_t crtcId = 0;
	uint32_t planeId = 0;
	bool writeback = false;		 /**< also find a writeback connector for the CRTC */
	std::string devDir = "/dev/dri"; /**< where to scan (tests) */
};

/** \brief /dev/dri/card* nodes in \a dir, sorted by number. */
std::vector<std::string> listCardNodes(const std::string &dir);

/**
 * \brief An open KMS device with atomic modesetting, universal planes and
 *        DRM master, and the connector, CRTC and plane it drives.
 *
 * Remembers the CRTC, connector and plane state found at open so that
 * restore() can put it back.
 */
class KmsDevice
{
public:
	~KmsDevice();

	/**
	 * \brief Open the device \a sel names, or the first KMS device with a
	 *        connected connector. Fails with EBUSY when another DRM master
	 *        holds the device, ENODEV when there is none.
	 */
	static Result<std::unique_ptr<KmsDevice>> open(const DeviceSelection &sel);

	int fd() const { return fd_.get(); }
	const std::string &path() const { return path_; }
	const std::string &driver() const { return driver_; }
	/** \brief "/dev/dri/card0 (vkms)": how log and error messages name the device. */
	std::string name() const { return path_ + " (" + driver_ + ")"; }
	uint32_t connectorId() const { return connector_.objectId; }
	uint32_t crtcId() const { return crtc_.objectId; }
	uint32_t planeId() const { return plane_.objectId; }
	bool planeIsPrimary() const { return planeType_ == DRM_PLANE_TYPE_PRIMARY; }
	const std::string &connectorName() const { return connectorName_; }
	const ObjectProperties &connector() const { return connector_; }
	const ObjectProperties &crtc() const { return crtc_; }
	const ObjectProperties &plane() const { return plane_; }
	/** \brief The writeback connector bound to our CRTC's possible set, if any. */
	const std::optional<ObjectProperties> &writeback() const { return writeback_; }
	const std::vector<uint32_t> &writebackFormats() const { return writebackFormats_; }

	const std::vector<uint32_t> &planeFormats() const { return planeFormats_; }
	const std::vector<drmModeModeInfo> &modes() const { return modes_; }
	/** \brief The mode the CRTC ran at open, if it was active. */
	const std::optional<drmModeModeInfo> &currentMode() const { return savedMode_; }
	uint32_t maxWidth() const { return maxWidth_; }
	uint32_t maxHeight() const { return maxHeight_; }
	bool monotonicTimestamps() const { return monotonic_; }

	/**
	 * \brief The connector's modes for selectMode()/rankModes(), in modes()
	 *        order. With \a current, it receives the index of the mode the
	 *        CRTC ran at open (appended when the connector no longer lists
	 *        it), or nullopt.
	 */
	std::vector<ModeCandidate> modeCandidates(std::optional<size_t> *current) const;
	/** \brief The mode at index \a i of modeCandidates(). */
	drmModeModeInfo modeAt(size_t i) const;

	/** \brief One line naming device, driver, connector, CRTC and plane. */
	std::string describe() const;

	/** \brief Put back the state found at open (blocking atomic commit). */
	Result<void> restore();

private:
	KmsDevice() = default;
	static Result<std::unique_ptr<KmsDevice>> openOne(const std::string &path,
							  const DeviceSelection &sel);
	Result<void> chooseOutput(const DeviceSelection &sel);

	UniqueFD fd_;
	std::string path_;
	std::string driver_;
	std::string connectorName_;
	int crtcIndex_ = -1;
	uint64_t planeType_ = 0;
	ObjectProperties connector_, crtc_, plane_;
	std::optional<ObjectProperties> writeback_;
	std::vector<uint32_t> writebackFormats_;
	std::vector<uint32_t> planeFormats_;
	std::vector<drmModeModeInfo> modes_;
	std::optional<drmModeModeInfo> savedMode_;
	uint32_t maxWidth_ = 0, maxHeight_ = 0;
	bool monotonic_ = false;
};

/** \brief "1024x768@60" */
std::string modeName(const drmModeModeInfo &m);
/** \brief Refresh rate in Hz, rounded. */
uint32_t modeRefresh(const drmModeModeInfo &m);

} /* namespace dmabufkit::kms */

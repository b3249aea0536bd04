#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Records the tracer sessions the viewer's tests replay (tests/data), in the
# test VM (copy them from the output folder into tests/data):
#   tracer-session-reference.jsonl  the reference pipeline (vivid, FWHT
#       encode and decode, dmabufcpufilter, vkms), frame journeys on
#   tracer-session-tee15.jsonl      15 elements: dmabufupload into a tee with
#       three branches, one through a copying videoconvert, journeys on
# and, with the argument "refused" (boot with vivid.allocators=1):
#   tracer-session-refused.jsonl    the reference pipeline importing into a
#       dma-contig vivid, which refuses scattered dma-bufs
#
#   tests/vm/vm-run --build-dir build -- qt-viewer/tests/guest-record-sessions.sh
#   tests/vm/vm-run --build-dir build --kernel-arg vivid.allocators=1 -- \
#       qt-viewer/tests/guest-record-sessions.sh refused
set -eu
out=${DMABUFKIT_OUT:?}
vivid=$(dbk-find-device vivid-capture)
trace() { # SESSION [PARAMS]: the tracer for it (journeys=5 unless PARAMS say otherwise)
	echo "dmabuftrace(endpoint=file:$out/tracer-session-$1.jsonl,period-ms=100,${2:-journeys=5})"
}

if [ "${1:-}" = refused ]; then
	GST_TRACERS=$(trace refused period-ms=250) gst-launch-1.0 -q dmabufv4l2src name=capture \
		io-mode=import device=$vivid num-buffers=15 \
		! video/x-raw,format=NV12,width=640,height=480,framerate=30/1 \
		! dmabufv4l2enc name=encode ! dmabufv4l2dec name=decode \
		! dmabufcpufilter name=convert operation=convert ! video/x-raw,format=BGRx \
		! dmabufkmssink name=display driver-name=vkms sync=false
	echo "recorded the reference pipeline importing into a dma-contig vivid"
	exit 0
fi

GST_TRACERS=$(trace reference) gst-launch-1.0 -q dmabufv4l2src name=capture device=$vivid \
	num-buffers=60 ! video/x-raw,format=NV12,width=640,height=480,framerate=30/1 \
	! dmabufv4l2enc name=encode ! dmabufv4l2dec name=decode \
	! dmabufcpufilter name=convert operation=convert ! video/x-raw,format=BGRx \
	! dmabufkmssink name=display driver-name=vkms sync=false
echo "recorded the reference pipeline"

GST_TRACERS=$(trace tee15) gst-launch-1.0 -q videotestsrc num-buffers=60 \
	! video/x-raw,format=NV12,width=320,height=240,framerate=30/1 ! dmabufupload ! tee name=t \
	t. ! queue ! videoconvert ! video/x-raw,format=BGRx ! fakesink \
	t. ! queue ! dmabufcpufilter operation=convert ! video/x-raw,format=BGRx ! fakesink \
	t. ! queue ! identity ! fakesink
echo "recorded the 15-element tee pipeline"


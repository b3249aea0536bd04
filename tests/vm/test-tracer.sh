#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# VM test of the dmabufkit tracer: dma-bufs made by dmabufupload flow into stock
# videoconvert, which converts them into system memory. The published
# snapshots must say dma-buf (with exporter and names) on the upload's link,
# system memory after videoconvert, flag the copy out of dma-buf there, and
# count exactly the buffers pushed. The live preview of a dma-buf link shows
# the solid colour the source painted (BGRx scaled down, and NV12). With
# forbid-copies the first copy fails the pipeline naming the link; the
# reference pipeline passes. Runs in the guest (vm-run).
set -eu
here=$(dirname "$0")
out=${DMABUFKIT_OUT:-/tmp}
n=40
session=$out/tracer-session.jsonl
rm -f "$session"

echo "== videotestsrc ! dmabufupload ! videoconvert ! fakesink, preview of the dma-buf link"
GST_TRACERS="dmabuftrace(endpoint=file:$session,period-ms=100,preview=videoconvert0:sink)" gst-launch-1.0 -q \
	videotestsrc num-buffers=$n pattern=solid-color foreground-color=0xffc08040 \
	! video/x-raw,format=BGRx,width=320,height=240,framerate=30/1 \
	! dmabufupload ! videoconvert ! video/x-raw,format=I420 ! fakesink sync=true
python3 "$here/check-tracer-session.py" "$session" --buffers $n \
	--link videotestsrc0=system --link dmabufupload0=dmabuf --link videoconvert0=system \
	--exporter dmabufupload0 --copy videoconvert0 --copy dmabufupload0 --no-copy fakesink0 \
	--preview dmabufupload0=c08040 --preview-source BGRx:320x240

echo "== NV12 dma-bufs into the video sink, preview=auto"
session3=$out/tracer-session-preview.jsonl
GST_TRACERS="dmabuftrace(endpoint=file:$session3,period-ms=100,preview=auto)" gst-launch-1.0 -q \
	videotestsrc num-buffers=$n pattern=solid-color foreground-color=0xff3366cc \
	! video/x-raw,format=NV12,width=96,height=72,framerate=30/1 ! dmabufupload ! fakesink sync=true
python3 "$here/check-tracer-session.py" "$session3" --buffers $n --link dmabufupload0=dmabuf \
	--exporter dmabufupload0 --preview dmabufupload0=3366cc --preview-source NV12:96x72

echo "== with dmabufcpufilter between upload and videoconvert"
session2=$out/tracer-session-cpufilter.jsonl
GST_TRACERS="dmabuftrace(endpoint=file:$session2,period-ms=100)" gst-launch-1.0 -q \
	videotestsrc num-buffers=$n ! video/x-raw,format=BGRx,width=320,height=240,framerate=30/1 \
	! dmabufupload ! dmabufcpufilter ! videoconvert ! video/x-raw,format=I420 ! fakesink
python3 "$here/check-tracer-session.py" "$session2" --buffers $n \
	--link dmabufupload0=dmabuf --link dmabufcpufilter0=dmabuf --link videoconvert0=system \
	--copy videoconvert0

# The zero-copy contract: forbid-copies fails a copying pipeline at its first
# copy, naming the link and the cause; a zero-copy pipeline runs to the end.
contract() { # EXPECTED-STATUS EXPECTED-TEXT PARAMS PIPELINE...
	want=$1 text=$2 params=$3
	shift 3
	status=0
	GST_TRACERS="dmabuftrace(endpoint=file:$out/contract.jsonl,$params)" \
		gst-launch-1.0 "$@" >"$out/contract.log" 2>&1 || status=$?
	if [ "$status" != "$want" ] || ! grep -qF "$text" "$out/contract.log"; then
		echo "FAIL: $params: status $status (want $want), no \"$text\" in:"
		cat "$out/contract.log"
		exit 1
	fi
	echo "ok: $params: status $status, \"$text\""
}
copying="videotestsrc num-buffers=$n ! video/x-raw,format=BGRx,width=320,height=240
	! dmabufupload ! videoconvert ! video/x-raw,format=I420 ! fakesink"
echo "== forbid-copies: the upload's copy fails the pipeline"
contract 1 "Zero-copy contract broken: dmabufupload0 copied a frame" \
	forbid-copies=true $copying
echo "== forbid-copies-on one link: videoconvert's copy out of dma-bufs"
contract 1 "videoconvert0 copied a frame on link videoconvert0:src (dma-bufs in, other memory out" \
	forbid-copies-on=videoconvert0:src $copying
echo "== forbid-copies on the reference pipeline: no copy, runs to EOS"
vivid=$(dbk-find-device vivid-capture)
contract 0 "Got EOS from element" forbid-copies=true \
	dmabufv4l2src device=$vivid num-buffers=20 \
	! video/x-raw,format=NV12,width=640,height=480,framerate=30/1 \
	! dmabufv4l2enc ! dmabufv4l2dec ! dmabufcpufilter operation=convert \
	! video/x-raw,format=BGRx ! dmabufkmssink driver-name=vkms sync=false

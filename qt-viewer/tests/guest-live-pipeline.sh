#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Guest side of the live viewer test: bring up user-mode networking, run a
# dma-buf pipeline with the tracer on TCP port 5555 (all interfaces: the host
# reaches it through qemu's port forward) until the host drops a "stop" file
# into the output share, or 170 s pass.
set -eu
out=${DMABUFKIT_OUT:?}
bb=/bin/busybox
$bb ip link set eth0 up
$bb ip addr add 10.0.2.15/24 dev eth0
$bb ip route add default via 10.0.2.2 2>/dev/null || true
if ! $bb ip addr show eth0 | grep -q 'inet 10.0.2.15/'; then
	echo "guest: eth0 has no address 10.0.2.15" >&2
	$bb ip addr >&2
	exit 1
fi
echo "guest: eth0 is 10.0.2.15/24"

# A solid colour (R 0x33, G 0x66, B 0xcc), so the host can check the live
# preview (preview=auto: the frames entering fakesink).
GST_TRACERS="dmabuftrace(endpoint=tcp:0.0.0.0:5555,period-ms=250,preview=auto,journeys=on)" gst-launch-1.0 -e -q \
	videotestsrc is-live=true pattern=solid-color foreground-color=0xff3366cc \
	! video/x-raw,format=BGRx,width=320,height=240,framerate=30/1 \
	! dmabufupload ! videoconvert ! video/x-raw,format=I420 ! fakesink &
pid=$!
i=0
while [ ! -e "$out/stop" ] && [ $i -lt 170 ] && kill -0 $pid 2>/dev/null; do
	sleep 1
	i=$((i + 1))
done
if ! kill -0 $pid 2>/dev/null; then
	wait $pid || true
	echo "guest: the pipeline ended early" >&2
	exit 1
fi
kill -INT $pid
wait $pid || true
echo "guest: pipeline stopped after $i s"

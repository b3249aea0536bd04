#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# The tracer's sockets, the CPU filter's thread pool and the IPC pair under
# the sanitizers (suite vm-sanitize), in gst-launch-1.0 (vm-run's wrapper
# preloads the runtimes): the tracer's unix and TCP sockets with hostile
# clients on the reference pipeline, then dmabufipcsink | dmabufipcsrc in two
# processes. (The tracer's own VM test, test-tracer.sh, has its own boot.)
set -eu
here=$(dirname "$0")
out=${DMABUFKIT_OUT:-/tmp}
python3 "$here/tracer-sockets.py"

echo "== dmabufipcsink | dmabufipcsrc ! dmabufkmssink, two processes"
vivid=$(dbk-find-device vivid-capture)
sock=/tmp/dbk-sanitize-ipc.sock
gst-launch-1.0 -e -q dmabufv4l2src device="$vivid" \
	! video/x-raw,format=BGRx,width=640,height=480,framerate=30/1 \
	! dmabufipcsink socket-path=$sock >"$out/ipc-producer.log" 2>&1 &
producer=$!
status=0
gst-launch-1.0 -q dmabufipcsrc socket-path=$sock wait-for-producer=true connect-timeout=60000 \
	num-buffers=30 ! dmabufkmssink driver-name=vkms sync=false >"$out/ipc-consumer.log" 2>&1 ||
	status=$?
kill -INT $producer
pstatus=0
wait $producer || pstatus=$?
cat "$out/ipc-consumer.log" "$out/ipc-producer.log"
# With -e the interrupt ends the producer with EOS, exit 0 (130 when the
# interrupt lands before PLAYING); LeakSanitizer, which runs at that exit,
# would have made it 23, and any report is in the logs.
if [ $status != 0 ] || { [ $pstatus != 0 ] && [ $pstatus != 130 ]; } ||
	grep -q "Sanitizer\|ERROR" "$out/ipc-consumer.log" "$out/ipc-producer.log"; then
	echo "FAIL: consumer status $status, producer status $pstatus"
	exit 1
fi
echo "ok: 30 frames across the socket, both processes ended cleanly"

#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The tracer's sockets under load, in the guest (the sanitizer run uses it).

    tracer-sockets.py [--frames N]

Runs the reference pipeline (vivid -> dmabufv4l2enc -> dmabufv4l2dec ->
dmabufcpufilter -> dmabufkmssink on vkms) in gst-launch-1.0 with two tracer
instances, one serving a unix socket (preview, journeys and GST_PERFORMANCE
capture on, a queue of 8 lines) and one serving TCP on loopback, while
clients come and go:

  reader    reads the unix socket to the end: hello first, then the graph,
            stats and previews, every line valid JSON
  flooder   never reads and sends 256 KiB of garbage
  churn     connects and hangs up, 30 times while frames flow
  crowd     12 clients at once (at most 8 are served; the rest are closed)
  tcp       reads the TCP endpoint's hello and leaves

The pipeline must reach EOS with every frame, and exit 0: under the
sanitizers, any error report (or leak at exit) makes gst-launch-1.0 fail.
"""
import argparse
import json
import os
import re
import socket
import subprocess
import sys
import threading
import time


def device(role):
    return subprocess.run(['dbk-find-device', role], stdout=subprocess.PIPE, text=True,
                          check=True).stdout.strip()


def connect_unix(path, timeout=60):
    deadline = time.monotonic() + timeout
    while True:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            s.connect(path)
            return s
        except OSError:
            s.close()
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def first_connection(path, gst, timeout=240):
    """The first client: waits for gst-launch to make the socket. Under the
    sanitizers, in TCG, beside another guest, its start took over 60 s."""
    deadline = time.monotonic() + timeout
    while not os.path.exists(path):
        if gst.poll() is not None:
            sys.exit(f'tracer-sockets: gst-launch-1.0 ended with status {gst.returncode} '
                     f'before the tracer made {path}')
        if time.monotonic() > deadline:
            sys.exit(f'tracer-sockets: no {path} {timeout} s after gst-launch-1.0 started')
        time.sleep(0.1)
    print(f'tracer-sockets: {path} is there', flush=True)
    return connect_unix(path)


def connect_tcp(port, timeout=60):
    deadline = time.monotonic() + timeout
    while True:
        try:
            return socket.create_connection(('127.0.0.1', port), timeout=5)
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


class Reader(threading.Thread):
    def __init__(self, sock):
        super().__init__(daemon=True)
        self.sock = sock
        self.types = []
        self.bad = 0

    def run(self):
        buf = b''
        while True:
            try:
                data = self.sock.recv(65536)
            except OSError:
                break
            if not data:
                break
            buf += data
            while b'\n' in buf:
                line, buf = buf.split(b'\n', 1)
                try:
                    self.types.append(json.loads(line).get('type'))
                except ValueError:
                    self.bad += 1


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--frames', type=int, default=60)
    args = ap.parse_args()
    out = os.environ.get('DMABUFKIT_OUT', '/tmp')
    sock_path = os.path.join('/tmp', 'dbk-tracer-sockets.sock')
    port = 5617
    tracers = (f'dmabuftrace(endpoint=unix:{sock_path},period-ms=100,queue=8,'
               f'preview=auto,journeys=5,performance=on);'
               f'dmabuftrace(endpoint=tcp:{port},period-ms=100)')
    vivid = device('vivid-capture')
    pipeline = (f'dmabufv4l2src device={vivid} num-buffers={args.frames} '
                '! video/x-raw,format=NV12,width=640,height=480,framerate=30/1 '
                '! dmabufv4l2enc ! dmabufv4l2dec ! dmabufcpufilter operation=convert n-threads=2 '
                '! video/x-raw,format=BGRx ! identity name=last silent=false '
                '! dmabufkmssink driver-name=vkms sync=false')
    env = dict(os.environ, GST_TRACERS=tracers)
    log = open(os.path.join(out, 'tracer-sockets.log'), 'w')
    gst = subprocess.Popen(['gst-launch-1.0', '-v'] + pipeline.split(), env=env,
                           stdout=log, stderr=subprocess.STDOUT)

    reader = Reader(first_connection(sock_path, gst))
    reader.start()
    flooder = connect_unix(sock_path)
    flooder.setblocking(False)
    try:
        flooder.send(b'\x7f' * (256 * 1024))
    except BlockingIOError:
        pass
    tcp = connect_tcp(port)
    hello = tcp.makefile('rb').readline()
    tcp.close()
    crowd = [connect_unix(sock_path) for _ in range(12)]
    churned = 0
    while gst.poll() is None and churned < 30:
        connect_unix(sock_path).close()
        churned += 1
        time.sleep(0.1)
    for s in crowd:
        s.close()
    try:
        status = gst.wait(timeout=400)
    except subprocess.TimeoutExpired:
        gst.kill()
        status = 'timeout'
    reader.join(timeout=10)
    flooder.close()
    log.close()
    with open(os.path.join(out, 'tracer-sockets.log'), errors='replace') as f:
        text = f.read()
    frames = text.count('chain   ******* (last:sink)')

    problems = []
    if status != 0:
        problems.append(f'gst-launch-1.0 ended with status {status}')
    if frames != args.frames:
        problems.append(f'{frames} frames reached the sink, not {args.frames}')
    if not reader.types or reader.types[0] != 'hello':
        problems.append(f'the reader\'s first line is {reader.types[:1]}, not hello')
    for t in ('graph', 'stats', 'preview'):
        if t not in reader.types:
            problems.append(f'the reader never got a {t} line')
    if reader.bad:
        problems.append(f'{reader.bad} lines the reader got are not JSON')
    if b'"hello"' not in hello:
        problems.append(f'the TCP endpoint\'s first line is {hello[:80]!r}')
    print(f'tracer-sockets: status {status}, {frames} frames, reader got '
          f'{len(reader.types)} lines ({reader.types.count("stats")} stats, '
          f'{reader.types.count("preview")} previews), {churned} churned clients')
    if problems:
        # A sanitizer report's cause is in its first lines, its tail is stacks.
        report = re.search(r'^.*(==\d+==ERROR: \w+Sanitizer|: runtime error: )', text, re.M)
        print(text[report.start():report.start() + 6000] if report else text[-4000:])
        print('FAIL: ' + '; '.join(problems))
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())

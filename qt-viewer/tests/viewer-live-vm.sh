#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# dmabufkit-viewer under Xvfb, attached over TCP to a live pipeline in the
# test VM (qemu forwards a free host port to the guest's tracer). The viewer
# waits until the graph, link kinds, rates and a live preview arrived, saves a
# screenshot and a dump of its model; we assert on the model, not on pixels
# of the window (the preview's own pixels are part of the model).
#
#   viewer-live-vm.sh BUILD_DIR VIEWER
set -u
build=$1
viewer=$2
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
out=$build/vm-out/viewer-live
rm -rf "$out"
mkdir -p "$out"
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

"$src/tests/vm/vm-run" --build-dir "$build" --out "$out" --name viewer-live --timeout 240 \
	--forward "$port:5555" -- "$here/guest-live-pipeline.sh" >"$out/vm.log" 2>&1 &
vm=$!

xvfb-run -a -s "-screen 0 1400x1000x24" "$viewer" --attach "tcp:127.0.0.1:$port" \
	--wait-ready 180 --wait-preview --screenshot "$out/viewer.png" --dump-model "$out/model.json" \
	--save-session "$out/session.jsonl" --export-trace "$out/trace.json" >"$out/viewer.log" 2>&1
viewer_rc=$?
touch "$out/stop"
wait $vm
vm_rc=$?
echo "viewer exited $viewer_rc, vm-run exited $vm_rc"
sed 's/^/  vm | /' "$out/vm.log"
sed 's/^/  viewer | /' "$out/viewer.log"
[ $viewer_rc -eq 0 ] || { echo "FAIL: the viewer never saw a ready model"; exit 1; }
[ $vm_rc -eq 0 ] || { echo "FAIL: the guest side failed"; exit 1; }

python3 - "$out/model.json" "$out/viewer.png" <<'PY'
import json, os, sys
m = json.load(open(sys.argv[1]))
links = {l['id'].split('/')[-1]: l for l in m['links']}
fails = []
def check(ok, what):
    print(('ok   ' if ok else 'FAIL ') + what)
    if not ok:
        fails.append(what)
check(m['hello'] and m['version'] == 1, 'hello, protocol 1')
factories = sorted(e['factory'] for e in m['elements'] if not e['bin'])
check(factories == ['capsfilter', 'capsfilter', 'dmabufupload', 'fakesink', 'videoconvert', 'videotestsrc'],
      f'graph elements: {factories}')
check(len(links) == 5, f'5 links: {sorted(links)}')
up, conv = links.get('dmabufupload0:src', {}), links.get('videoconvert0:src', {})
check(up.get('kind') == 'dmabuf', f"upload -> videoconvert carries dma-bufs: {up.get('kind')}")
check(bool(up.get('exporter')) and up.get('inodes', 0) > 0, f"exporter {up.get('exporter')!r}, {up.get('inodes')} dma-bufs")
check(conv.get('kind') == 'system' and conv.get('copied') is True,
      f"videoconvert output is system memory, marked copied: {conv.get('kind')} {conv.get('copied')}")
upload = next((e for e in m['elements'] if e['factory'] == 'dmabufupload'), {})
decision = upload.get('allocation_decision', '')
check(decision.startswith(('dma-heap:', 'udmabuf')) and ' for ' in decision,
      f"dmabufupload says why it chose its exporter: {decision!r}")
for name, l in sorted(links.items()):
    check(l['max_fps'] > 5, f"{name}: rate arrived ({l['max_fps']:.1f} buffers/s peak)")
pv = m.get('preview', {})
check(pv.get('count', 0) > 0, f"live preview arrived: {pv.get('count', 0)} pictures")
check(pv.get('link', '').endswith('capsfilter1:src') and pv.get('element', '').endswith('fakesink0'),
      f"preview=auto watches the video sink's input: {pv.get('link')} -> {pv.get('element')}")
check((pv.get('source_format'), pv.get('width'), pv.get('height')) == ('I420', 160, 120),
      f"preview of I420 frames, 160x120: {pv.get('source_format')} {pv.get('width')}x{pv.get('height')}")
mean = pv.get('mean_rgb', [0, 0, 0])
check(all(abs(a - b) <= 4 for a, b in zip(mean, [0x33, 0x66, 0xcc])),
      f"it shows the source's colour: mean {[round(v, 1) for v in mean]}, expected [51, 102, 204]")
check(os.path.getsize(sys.argv[2]) > 20000, 'screenshot saved')
# Findings: the copy out of dma-bufs, then the upload it exists for; nothing else.
found = [(f['kind'], f['element'].split('/')[-1]) for f in m['findings']]
check(found == [('copy', 'videoconvert0'), ('upload', 'dmabufupload0')], f'findings: {found}')
copy = m['findings'][0] if m['findings'] else {}
check(copy.get('title') == 'videoconvert0 maps dma-bufs into system memory'
      and 'BGRx→I420' in copy.get('fix', ''), f"the copy's title and fix: {copy.get('title')!r}, {copy.get('fix')!r}")
# Journeys, live: one frame's slices through every element in order.
j = m.get('journeys', {})
path = [s['element'].split('/')[-1] for s in j.get('slices', [])]
check(j.get('sampling') == 30 and path == ['videotestsrc0', 'capsfilter0', 'dmabufupload0', 'videoconvert0',
                                           'capsfilter1', 'fakesink0'], f"journey: {path}")
up_slice = next((s for s in j.get('slices', []) if s['element'].endswith('dmabufupload0')), {})
check(up_slice.get('inode', 0) > 0 and up_slice.get('name', '').startswith('dmabufupload0'),
      f"the dma-buf that carried it: {up_slice.get('inode')} {up_slice.get('name')!r} ({up_slice.get('exporter')})")
sys.exit(1 if fails else 0)
PY
[ $? -eq 0 ] || exit 1
python3 "$here/check-trace-events.py" "$out/trace.json" \
	--path videotestsrc0,capsfilter0,dmabufupload0,videoconvert0,capsfilter1,fakesink0

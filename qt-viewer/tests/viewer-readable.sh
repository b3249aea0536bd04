#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# The viewer's first view is readable: under Xvfb, at the default window
# size (1280x860), for the reference pipeline and a 15-element pipeline with
# a tee and a copying videoconvert (sessions recorded in the test VM,
# tests/data) and a 30-element chain launched here, every element name and
# link label is drawn at least at the window's own font size, nothing covers
# anything, and the layout scrolls rather than shrinks. Asserted on the
# model dump (--dump-model "view"); screenshots in BUILD/test-output/viewer-readable/.
# The launched chain also exports its frame journeys as Chrome trace events.
#
#   viewer-readable.sh BUILD_DIR VIEWER
set -u
build=$1
viewer=$2
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
out=$build/test-output/viewer-readable
rm -rf "$out"
mkdir -p "$out"
export GST_PLUGIN_PATH="$build/gst-plugins${GST_PLUGIN_PATH:+:$GST_PLUGIN_PATH}"
export XDG_CONFIG_HOME="$out/config" # no remembered window geometry
fails=0

view() { # NAME ELEMENTS LINKS VIEWER-ARGS...
	name=$1 elements=$2 links=$3
	shift 3
	xvfb-run -a -s "-screen 0 1600x1200x24" "$viewer" "$@" --wait-ready 60 \
		--screenshot "$out/$name.png" --dump-model "$out/$name.json" \
		--export-trace "$out/$name-trace.json" >"$out/$name.log" 2>&1
	rc=$?
	[ $rc -eq 0 ] || { echo "FAIL $name: the viewer exited $rc"; cat "$out/$name.log"; fails=$((fails + 1)); return; }
	python3 - "$out/$name.json" "$out/$name.png" "$name" "$elements" "$links" <<'PY' || fails=$((fails + 1))
import json, os, sys
m = json.load(open(sys.argv[1]))
name, n_el, n_links = sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
v = m['view']
bad = []
def check(ok, what):
    print(('ok   ' if ok else 'FAIL ') + f'{name}: {what}')
    if not ok:
        bad.append(what)
leaves = [e for e in m['elements'] if not e['bin']]
check(len(leaves) == n_el and len(m['links']) == n_links,
      f'{len(leaves)} elements, {len(m["links"])} links (want {n_el}, {n_links})')
check(v['viewport'][0] >= 800, f"default window: graph viewport {v['viewport']}")
names = [t for t in v['texts'] if t['kind'] == 'element']
labels = [t for t in v['texts'] if t['kind'] == 'link']
check(len(names) == n_el and len(labels) == n_links,
      f'every element name ({len(names)}) and link label ({len(labels)}) is drawn')
small = [t['text'] for t in v['texts'] if t['px'] < v['window_font_px']]
check(not small and v['min_text_px'] >= v['window_font_px'],
      f"text at least the window's font size: smallest {v['min_text_px']:.1f} px, "
      f"window {v['window_font_px']} px, scale {v['scale']:.2f}")
check(v['scale'] >= 1.0, f"not shrunk: scale {v['scale']:.2f} ({v['direction']}, {v['rows']} rows)")
check(not v['overlaps'], f"nothing covers anything: {v['overlaps'][:3]}")
check(not v['scrolls_horizontally'], 'no horizontal scrolling (long chains wrap)')
short = [t['text'] for t in labels if len(t['text']) > 24]
check(not short, f'compact link labels ({labels[0]["text"]!r}, ...): {short[:2]}')
check(os.path.getsize(sys.argv[2]) > 20000, 'screenshot saved')
sys.exit(1 if bad else 0)
PY
}

view reference 7 6 --open "$src/tests/data/tracer-session-reference.jsonl"
python3 "$here/check-trace-events.py" "$out/reference-trace.json" --min-frames 10 \
	--path capture,capsfilter0,encode,decode,convert,capsfilter1,display || fails=$((fails + 1))
view tee15 15 14 --open "$src/tests/data/tracer-session-tee15.jsonl"
chain="videotestsrc is-live=true num-buffers=200 ! video/x-raw,width=64,height=48,framerate=30/1"
i=1
while [ $i -le 27 ]; do chain="$chain ! identity name=stage$i"; i=$((i + 1)); done
view chain30 30 29 --launch "$chain ! fakesink"
# The launched chain's journeys: Perfetto-valid, and a frame through all 30 in order.
path=videotestsrc0,capsfilter0
i=1
while [ $i -le 27 ]; do path="$path,stage$i"; i=$((i + 1)); done
python3 "$here/check-trace-events.py" "$out/chain30-trace.json" --min-frames 2 \
	--path "$path,fakesink0" || fails=$((fails + 1))
[ $fails -eq 0 ] || { echo "$fails check(s) failed; screenshots in $out"; exit 1; }
echo "screenshots in $out"

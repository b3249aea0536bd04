#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Validates Chrome trace-event JSON (the viewer's frame journey export)
against the trace-event format: the JSON object form with traceEvents; every
event has name, ph, pid and tid, and ts unless it is metadata; B/E pairs match
per thread (same name, nested, E not before B); flows (s, t, f) have one s and
one f per id, in time order, each inside a slice of its thread.

    check-trace-events.py TRACE.json [--min-frames N] [--path ELEMENT,ELEMENT,...]

--path: some frame's slices visit exactly these elements (by track name) in
this order, with timestamps that never go back.
"""
import argparse
import json
import sys
from collections import defaultdict


def fail(msg):
    print('FAIL ' + msg)
    sys.exit(1)


def main():
    p = argparse.ArgumentParser()
    p.add_argument('trace')
    p.add_argument('--min-frames', type=int, default=1)
    p.add_argument('--path')
    a = p.parse_args()
    doc = json.load(open(a.trace))
    if not isinstance(doc, dict) or not isinstance(doc.get('traceEvents'), list):
        fail('not the JSON object form with a traceEvents array')
    evs = doc['traceEvents']
    names = {}
    stacks = defaultdict(list)
    slices = defaultdict(list)  # tid -> (begin, end, name, args)
    flows = defaultdict(list)
    for i, e in enumerate(evs):
        for k in ('name', 'ph', 'pid', 'tid'):
            if k not in e:
                fail(f'event {i} has no {k}: {e}')
        ph = e['ph']
        if ph == 'M':
            if e['name'] == 'thread_name':
                names[e['tid']] = e['args']['name']
            continue
        if not isinstance(e.get('ts'), (int, float)):
            fail(f'event {i} has no numeric ts: {e}')
        if ph == 'B':
            stacks[e['tid']].append(e)
        elif ph == 'E':
            st = stacks[e['tid']]
            if not st:
                fail(f'event {i}: E without B on tid {e["tid"]}')
            b = st.pop()
            if b['name'] != e['name'] or e['ts'] < b['ts']:
                fail(f'event {i}: E {e} does not close B {b}')
            slices[e['tid']].append((b['ts'], e['ts'], b['name'], b.get('args', {})))
        elif ph in ('s', 't', 'f'):
            if 'id' not in e:
                fail(f'flow event {i} has no id')
            flows[e['id']].append(e)
        elif ph == 'X':
            if 'dur' not in e or e['dur'] < 0:
                fail(f'event {i}: X without a valid dur')
        else:
            fail(f'event {i}: unexpected phase {ph}')
    for tid, st in stacks.items():
        if st:
            fail(f'tid {tid}: {len(st)} B events never closed')
    for fid, fl in flows.items():
        phs = [f['ph'] for f in fl]
        if phs.count('s') != 1 or phs.count('f') != 1 or phs[0] != 's' or phs[-1] != 'f':
            fail(f'flow {fid}: phases {phs}')
        ts = [f['ts'] for f in fl]
        if ts != sorted(ts):
            fail(f'flow {fid}: goes back in time {ts}')
        for f in fl:
            if not any(b <= f['ts'] <= e for b, e, _, _ in slices[f['tid']]):
                fail(f'flow {fid}: {f["ph"]} at {f["ts"]} is in no slice of tid {f["tid"]}')
    # Frames, from the slices' args.
    frames = defaultdict(list)
    for tid, sl in slices.items():
        for b, e, _, args in sl:
            frames[args.get('frame')].append((b, e, names.get(tid, str(tid)).split(' #')[0]))
    print(f'ok   {len(evs)} events, {sum(len(s) for s in slices.values())} slices, '
          f'{len(flows)} flows, {len(frames)} frames, {len(names)} tracks')
    if len(frames) < a.min_frames:
        fail(f'{len(frames)} frames, wanted at least {a.min_frames}')
    if a.path:
        want = a.path.split(',')
        best = None
        for fid, sl in sorted(frames.items()):
            sl.sort()
            got = [n for _, _, n in sl]
            if got == want:
                begins = [b for b, _, _ in sl]
                ends = [e for _, e, _ in sl]
                if begins != sorted(begins) or ends != sorted(ends):
                    fail(f'frame {fid}: timestamps go back: {sl}')
                print(f'ok   frame {fid} visits {",".join(got)} in order, '
                      f'{(ends[-1] - begins[0]) / 1000:.2f} ms from first to last')
                return
            best = best or got
        fail(f'no frame visits {want} in order (one visits {best})')


main()

#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Check a dmabufkit tracer session (JSON lines) against what a pipeline must show.

    check-tracer-session.py SESSION [--buffers N] [--link ELEMENT=KIND ...]
                            [--copy ELEMENT ...] [--no-copy ELEMENT ...]
                            [--exporter ELEMENT]
                            [--preview ELEMENT=RRGGBB --preview-source FORMAT:WxH]

ELEMENT is an element name (videoconvert0); a link is named by the element
whose source pad feeds it. Every check prints what it saw; exit 1 on failure.
"""
import argparse
import base64
import json
import sys


def main():
    p = argparse.ArgumentParser()
    p.add_argument('session')
    p.add_argument('--buffers', type=int, help='every link carried exactly N buffers')
    p.add_argument('--link', action='append', default=[], metavar='ELEMENT=KIND')
    p.add_argument('--copy', action='append', default=[], metavar='ELEMENT')
    p.add_argument('--no-copy', action='append', default=[], metavar='ELEMENT')
    p.add_argument('--exporter', action='append', default=[], metavar='ELEMENT',
                   help='the link out of ELEMENT names its dma-buf exporter and buffers')
    p.add_argument('--preview', metavar='ELEMENT=RRGGBB',
                   help='previews of the link out of ELEMENT arrived, showing this solid colour')
    p.add_argument('--preview-source', metavar='FORMAT:WxH', help='what the previewed frames were')
    a = p.parse_args()

    hello = graph = stats = None
    previews = []
    bad = 0
    with open(a.session) as f:
        for line in f:
            try:
                d = json.loads(line)
            except json.JSONDecodeError:
                bad += 1
                continue
            t = d.get('type')
            if t == 'hello':
                hello = d
            elif t == 'graph' and d.get('elements'):
                graph = d
            elif t == 'stats' and d.get('links'):
                stats = d
            elif t == 'preview':
                previews.append(d)
    failures = []

    def check(ok, what):
        print(('ok   ' if ok else 'FAIL ') + what)
        if not ok:
            failures.append(what)

    check(bad == 0, f'every line is JSON ({bad} bad)')
    check(hello is not None and hello.get('protocol') == 'dmabufkit-tracer' and hello.get('v') == 1,
          'hello line with protocol version 1')
    check(graph is not None, 'a graph was published')
    check(stats is not None, 'stats were published')
    if failures:
        return 1
    links = {l['id'].split('/')[-1].split(':')[0]: l for l in stats['links']}
    elements = {e['id'].split('/')[-1]: e for e in stats['elements']}
    glinks = {l['id'].split('/')[-1].split(':')[0]: l for l in graph['links']}
    check(set(links) == set(glinks), f'stats cover every link of the graph: {sorted(links)}')
    if a.buffers is not None:
        for name, l in sorted(links.items()):
            check(l['buffers'] == a.buffers, f'{name}: {l["buffers"]} buffers, expected {a.buffers}')
    for spec in a.link:
        name, kind = spec.split('=')
        l = links.get(name)
        check(l is not None and l['kind'] == kind,
              f'link out of {name} is {kind}: saw {l and l["kind"]} {l and l.get("kinds")}')
    for name in a.copy:
        e = elements.get(name, {})
        c = e.get('copy', {})
        check(c.get('count', 0) > 0, f'copy flagged at {name}: {c}')
        l = links.get(name)
        check(l is not None and l.get('copied') is True, f'link out of {name} marked copied')
    for name in a.no_copy:
        c = elements.get(name, {}).get('copy', {})
        check(c.get('count', 0) == 0, f'no copy at {name}: {c}')
    for name in a.exporter:
        l = links.get(name, {})
        check(bool(l.get('exporter')) and bool(l.get('names')) and l.get('inodes', 0) > 0,
              f'link out of {name}: exporter {l.get("exporter")!r}, names {l.get("names")}, '
              f'{l.get("inodes")} distinct dma-bufs')
    if a.preview:
        check_preview(check, previews, a.preview, a.preview_source)
    return 1 if failures else 0


def check_preview(check, previews, spec, source):
    name, colour = spec.split('=')
    want = [int(colour[i:i + 2], 16) for i in (0, 2, 4)]
    check(len(previews) > 0, f'{len(previews)} preview lines')
    if not previews:
        return
    p = previews[-1]
    link = p.get('link', '')
    check(link.split('/')[-1].split(':')[0] == name, f'preview of the link out of {name}: {link}')
    w, h = p.get('width', 0), p.get('height', 0)
    check(p.get('format') == 'rgb888' and 0 < w <= 160 and 0 < h <= 120,
          f'preview {p.get("format")} {w}x{h} (at most 160x120)')
    src = p.get('source', {})
    if source:
        fmt, size = source.split(':')
        sw, sh = (int(v) for v in size.split('x'))
        check((src.get('format'), src.get('width'), src.get('height')) == (fmt, sw, sh),
              f'previewed frames: {src} (expected {source})')
        check(abs(w / h - sw / sh) < 0.05, f'aspect kept: {w}x{h} for {sw}x{sh}')
    data = base64.b64decode(p.get('data', ''), validate=True)
    check(len(data) == w * h * 3, f'{len(data)} bytes of pixels for {w}x{h}')
    if len(data) != w * h * 3 or not data:
        return
    mean = [sum(data[c::3]) / (w * h) for c in range(3)]
    worst = max(max(abs(data[i + c] - want[c]) for c in range(3)) for i in range(0, len(data), 3))
    check(all(abs(m - x) <= 4 for m, x in zip(mean, want)),
          f'mean colour {[round(m, 1) for m in mean]}, expected {want} (+-4)')
    check(worst <= 8, f'every pixel within 8 of it (worst {worst})')
    times = [x['t'] for x in previews if x.get('link') == link]
    gaps = [b - c for c, b in zip(times, times[1:])]
    check(all(g >= 0.45 for g in gaps), f'at most 2 previews a second: {len(times)} at {times}')


if __name__ == '__main__':
    sys.exit(main())

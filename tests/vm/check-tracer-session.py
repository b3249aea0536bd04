#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Check a dmabufkit tracer session (JSON lines) against what a pipeline must show.

    check-tracer-session.py SESSION [--buffers N] [--link ELEMENT=KIND ...]
                            [--copy ELEMENT ...] [--no-copy ELEMENT ...]
                            [--exporter ELEMENT]

ELEMENT is an element name (videoconvert0); a link is named by the element
whose source pad feeds it. Every check prints what it saw; exit 1 on failure.
"""
import argparse
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
    a = p.parse_args()

    hello = graph = stats = None
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
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())

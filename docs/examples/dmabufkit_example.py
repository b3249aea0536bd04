#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""dmabufkit from Python, through GObject introspection (namespace Dbk 1.0).

Allocates dma-bufs from a DbkBufferPool configured with the display's
constraints, writes frames into them through the CPU mapping (every map is
bracketed by DMA_BUF_IOCTL_SYNC), and pushes them through appsrc into
dmabufkmssink, which shows them without a copy. At the end it reads the frame
on screen back through the KMS writeback connector and checks it is the last
frame written.

    ./dmabufkit_example.py [--frames N] [--device /dev/dri/card0] [--writeback out.png]

Needs the Dbk typelib (installed by meson in $libdir/girepository-1.0, or
GI_TYPELIB_PATH=build/allocator), python3-gi and python3-gst-1.0 (for
writable maps).
"""
import argparse
import sys

import gi

gi.require_version('Gst', '1.0')
gi.require_version('GstVideo', '1.0')
gi.require_version('Dbk', '1.0')
from gi.repository import Dbk, Gst, GstVideo  # noqa: E402

WIDTH, HEIGHT = 640, 480


def colour(i):
    """BGRx bytes of frame i: a hue that changes every frame."""
    return bytes(((i * 40) % 256, (i * 90 + 60) % 256, (255 - i * 25) % 256, 255))


def make_pool(caps, info):
    """A pool of dma-bufs laid out for scanout and CPU writes."""
    constraints = Dbk.Constraints()
    constraints.init('dmabufkit_example.py')
    constraints.scanout = True
    constraints.cpu_mappable = True
    constraints.stride_align = 64
    pool = Dbk.BufferPool.new(Dbk.Allocator.new())
    config = pool.get_config()
    Gst.BufferPool.config_set_params(config, caps, info.size, 4, 4)
    Gst.BufferPool.config_add_option(config, GstVideo.BUFFER_POOL_OPTION_VIDEO_META)
    Dbk.BufferPool.config_set_constraints(config, constraints)
    Dbk.BufferPool.config_set_name_prefix(config, 'python')
    if not pool.set_config(config) or not pool.set_active(True):
        raise RuntimeError('cannot configure the dma-buf pool: %s' % pool.get_error())
    print('pool: exporter %s, constraints %s' % (pool.get_exporter_name(), constraints.to_string()))
    return pool


def fill(buf, i):
    """Write frame i into buf's dma-buf, row by row at the pool's stride."""
    meta = GstVideo.buffer_get_video_meta(buf)
    stride = meta.stride[0]
    row = colour(i) * WIDTH
    with buf.map(Gst.MapFlags.WRITE) as m:
        for y in range(HEIGHT):
            m.data[meta.offset[0] + y * stride:meta.offset[0] + y * stride + len(row)] = row


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--frames', type=int, default=30)
    ap.add_argument('--device', default='')
    ap.add_argument('--writeback', default='', help='save the frame on screen as PNG here')
    args = ap.parse_args()

    Gst.init(None)
    Dbk.init()
    caps = Gst.Caps.from_string('video/x-raw,format=BGRx,width=%d,height=%d,framerate=30/1'
                                % (WIDTH, HEIGHT))
    info = GstVideo.VideoInfo.new_from_caps(caps)
    pipeline = Gst.parse_launch(
        'appsrc name=src is-live=true format=time ! dmabufkmssink name=sink mode=%dx%d '
        'writeback=true %s %s' % (WIDTH, HEIGHT,
                                  'device=' + args.device if args.device else '',
                                  'writeback-location=' + args.writeback if args.writeback else ''))
    src, sink = pipeline.get_by_name('src'), pipeline.get_by_name('sink')
    src.set_property('caps', caps)
    pool = make_pool(caps, info)
    pipeline.set_state(Gst.State.PLAYING)

    inodes = set()
    for i in range(args.frames):
        ok, buf = pool.acquire_buffer(None)
        if ok != Gst.FlowReturn.OK:
            raise RuntimeError('acquire_buffer: %s' % ok)
        fill(buf, i)
        mem = buf.peek_memory(0)
        inodes.add(Dbk.memory_get_inode(mem))
        if i == 0:
            print('frame 0 in dma-buf "%s" from %s' % (Dbk.memory_get_name(mem),
                                                        Dbk.memory_get_exporter(mem)))
        # The wrapper holds a reference: a memory shared with us is not writable, and the
        # pool would discard the buffer when it comes back instead of reusing it.
        del mem
        # Stamped with the running time now, so it is shown at once. (appsrc's do-timestamp
        # would make the buffer writable, i.e. copy it while we hold it, and the pool then
        # discards it instead of reusing it.)
        now = pipeline.get_clock().get_time() - pipeline.get_base_time()
        buf.pts = buf.dts = now
        buf.duration = Gst.SECOND // 30
        ret = src.emit('push-buffer', buf)
        del buf  # likewise: the buffer goes back to the pool only when nobody holds it
        if ret != Gst.FlowReturn.OK:
            break
    src.emit('end-of-stream')
    msg = pipeline.get_bus().timed_pop_filtered(30 * Gst.SECOND,
                                                Gst.MessageType.EOS | Gst.MessageType.ERROR)
    if not msg or msg.type == Gst.MessageType.ERROR:
        err = msg.parse_error()[0].message if msg else 'no EOS within 30 s'
        print('pipeline failed: %s' % err, file=sys.stderr)
        return 1
    stats = sink.get_property('stats')
    shown, copies = stats.get_uint64('frames-shown')[1], stats.get_uint64('copies')[1]
    imports = stats.get_uint64('imports')[1]
    allocated = pool.get_stats().allocated
    sample = sink.get_property('last-writeback')
    pipeline.set_state(Gst.State.NULL)
    pool.set_active(False)
    print('%d frames shown, %d copies; the pool allocated %d dma-bufs (%d inodes seen), '
          'the display imported %d' % (shown, copies, allocated, len(inodes), imports))
    if sample is None:
        print('no writeback capture', file=sys.stderr)
        return 1
    wb = sample.get_buffer()
    wb_info = GstVideo.VideoInfo.new_from_caps(sample.get_caps())
    ok, m = wb.map(Gst.MapFlags.READ)
    at = (wb_info.height // 2) * wb_info.stride[0] + (wb_info.width // 2) * 4
    pixel = bytes(m.data[at:at + 3])
    wb.unmap(m)
    expected = colour(args.frames - 1)[:3]
    print('on screen (writeback, centre): %s, last frame written: %s' % (pixel.hex(),
                                                                          expected.hex()))
    if pixel != expected or copies != 0 or shown < args.frames // 2:
        print('the frame on screen is not the last frame written, or it was copied',
              file=sys.stderr)
        return 1
    if allocated > 4 or imports > allocated:
        print('dma-bufs were not reused: the pool or the display cache missed', file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())

# A stand-in for an RTSP/ONVIF doorbell on the LAN (GStreamer's RTSP server from Debian), for the camera tests.
# Usage: rtsp-camera.py USER PASSWORD (live | file PATH | image PATH)
#   live: a 1280x720 15 frames/s moving test picture, H.264 High profile, plus G.711 A-law audio, shared
#   file: an H.264 Annex B file sent as it is (each client from its start), for bit-exact checks; it has no
#   timestamps, so neither has the RTP stream (like some cheap cameras)
#   image: a PNG shown at 1280x720 15 frames/s, H.264 High profile, shared; the PNG is read again for every
#   frame, so replacing the file (atomically) changes the picture: a QR code held up to the camera
# Listens on 127.0.0.1 on a free port and prints "ready PORT"; /door needs basic authentication.
# With DOORWARD_CAMERA_TIMING=FILE (image mode), one line per frame and stage goes to FILE, for the
# glass-to-glass breakdown: "frame VALUE RAW ENC PAY KEY": VALUE is the 16 blocks read back from the scaled
# picture, RAW, ENC and PAY the wall-clock times (ms) when the picture was scaled, x264 gave out the frame and
# the frame's last RTP packet (marker bit) left the payloader; KEY is the frame's last 16 bytes in hex, the same
# at every later stage since the H.264 is passed through.
import os
import sys
import time
import gi
gi.require_version('Gst', '1.0')
gi.require_version('GstRtspServer', '1.0')
from gi.repository import Gst, GstRtspServer, GLib

user, password, mode = sys.argv[1], sys.argv[2], sys.argv[3]
Gst.init(None)
server = GstRtspServer.RTSPServer()
server.set_address('127.0.0.1')
server.set_service('0')
auth = GstRtspServer.RTSPAuth()
token = GstRtspServer.RTSPToken()
token.set_string(GstRtspServer.RTSP_TOKEN_MEDIA_FACTORY_ROLE, 'viewer')
auth.add_basic(GstRtspServer.RTSPAuth.make_basic(user, password), token)
server.set_auth(auth)
factory = GstRtspServer.RTSPMediaFactory()
if mode == 'live':
    factory.set_launch(
        '( videotestsrc is-live=true pattern=ball ! video/x-raw,width=1280,height=720,framerate=15/1 '
        '! x264enc tune=zerolatency speed-preset=superfast key-int-max=15 ! video/x-h264,profile=high '
        '! rtph264pay name=pay0 pt=96 '
        'audiotestsrc is-live=true wave=ticks ! audio/x-raw,rate=8000,channels=1 ! alawenc ! rtppcmapay name=pay1 pt=8 )')
    factory.set_shared(True)
elif mode == 'image':
    # A live source, like a camera's sensor: the picture is read when the frame is taken and encoded at once.
    # (multifilesrc is not live: it read the next picture as soon as the last frame was sent, a whole frame
    # interval before its turn.)
    factory.set_launch(
        '( appsrc name=shot is-live=true do-timestamp=true format=time leaky-type=downstream max-buffers=2 caps=image/png,framerate=15/1 '
        '! pngdec ! videoconvert ! videoscale '
        '! capsfilter name=raw caps=video/x-raw,format=I420,width=1280,height=720 '
        '! x264enc name=enc tune=zerolatency speed-preset=superfast key-int-max=15 ! video/x-h264,profile=high '
        '! rtph264pay name=pay0 pt=96 )')
    factory.set_shared(True)
    picture = sys.argv[4]
    timing = open(os.environ['DOORWARD_CAMERA_TIMING'], 'a', buffering=1) if os.environ.get(
        'DOORWARD_CAMERA_TIMING') else None

    def now_ms():
        return '%.2f' % (time.time() * 1000)

    def shoot(src):
        try:
            with open(picture, 'rb') as f:
                data = f.read()
        except OSError:
            return True
        src.emit('push-buffer', Gst.Buffer.new_wrapped(data))
        return True

    taken = []  # (value, wall) of pictures on their way through x264, oldest first
    encoded = {}  # pts -> (value, raw wall, enc wall, key) until the frame's last RTP packet

    def on_raw(pad, info):
        buf = info.get_buffer()
        ok, m = buf.map(Gst.MapFlags.READ)
        if ok:
            row = 340 * 1280
            value = 0
            for i in range(16):
                value = value * 2 + (1 if m.data[row + int((i + 0.5) * 1280 / 16)] > 128 else 0)
            buf.unmap(m)
            taken.append((value, now_ms()))
        return Gst.PadProbeReturn.OK

    def on_enc(pad, info):
        buf = info.get_buffer()
        ok, m = buf.map(Gst.MapFlags.READ)
        if ok and taken:
            value, raw = taken.pop(0)  # x264 (zerolatency, no B-frames) gives one frame out per frame in
            encoded[buf.pts] = (value, raw, now_ms(), bytes(m.data[-16:]).hex())
            buf.unmap(m)
        return Gst.PadProbeReturn.OK

    def on_pay(pad, info):
        buffers = [info.get_buffer()] if info.type & Gst.PadProbeType.BUFFER else [
            info.get_buffer_list().get(i) for i in range(info.get_buffer_list().length())]
        for buf in buffers:
            ok, m = buf.map(Gst.MapFlags.READ)
            if ok:
                if m.data[1] & 0x80 and buf.pts in encoded:
                    value, raw, enc, key = encoded.pop(buf.pts)
                    timing.write('frame %d %s %s %s %s\n' % (value, raw, enc, now_ms(), key))
                buf.unmap(m)
        return Gst.PadProbeReturn.OK

    def configure(factory, media):
        bin = media.get_element()
        src = bin.get_by_name('shot')
        timer = GLib.timeout_add(1000 // 15, shoot, src)
        media.connect('unprepared', lambda m: GLib.source_remove(timer))
        if timing:
            bin.get_by_name('raw').get_static_pad('src').add_probe(Gst.PadProbeType.BUFFER, on_raw)
            bin.get_by_name('enc').get_static_pad('src').add_probe(Gst.PadProbeType.BUFFER, on_enc)
            bin.get_by_name('pay0').get_static_pad('src').add_probe(
                Gst.PadProbeType.BUFFER | Gst.PadProbeType.BUFFER_LIST, on_pay)

    factory.connect('media-configure', configure)
else:
    factory.set_launch('( filesrc location="%s" ! h264parse ! rtph264pay name=pay0 pt=96 )' % sys.argv[4])
    factory.set_shared(False)
factory.add_role_from_structure(Gst.Structure.from_string(
    'viewer, media.factory.access=(boolean)true, media.factory.construct=(boolean)true')[0])
server.get_mount_points().add_factory('/door', factory)
server.attach(None)
print('ready %d' % server.get_bound_port(), flush=True)
GLib.MainLoop().run()

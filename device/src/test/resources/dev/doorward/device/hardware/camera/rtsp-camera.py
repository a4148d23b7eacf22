# A stand-in for an RTSP/ONVIF doorbell on the LAN (GStreamer's RTSP server from Debian), for the camera tests.
# Usage: rtsp-camera.py USER PASSWORD (live | file PATH | image PATH)
#   live: a 1280x720 15 frames/s moving test picture, H.264 High profile, plus G.711 A-law audio, shared
#   file: an H.264 Annex B file sent as it is (each client from its start), for bit-exact checks; it has no
#   timestamps, so neither has the RTP stream (like some cheap cameras)
#   image: a PNG shown at 1280x720 15 frames/s, H.264 High profile, shared; the PNG is read again for every
#   frame, so replacing the file (atomically) changes the picture: a QR code held up to the camera
# Listens on 127.0.0.1 on a free port and prints "ready PORT"; /door needs basic authentication.
import sys
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
    factory.set_launch(
        '( multifilesrc location="%s" loop=true caps=image/png,framerate=15/1 ! pngdec ! videoconvert ! videoscale '
        '! video/x-raw,format=I420,width=1280,height=720 '
        '! x264enc tune=zerolatency speed-preset=superfast key-int-max=15 ! video/x-h264,profile=high '
        '! rtph264pay name=pay0 pt=96 )' % sys.argv[4])
    factory.set_shared(True)
else:
    factory.set_launch('( filesrc location="%s" ! h264parse ! rtph264pay name=pay0 pt=96 )' % sys.argv[4])
    factory.set_shared(False)
factory.add_role_from_structure(Gst.Structure.from_string(
    'viewer, media.factory.access=(boolean)true, media.factory.construct=(boolean)true')[0])
server.get_mount_points().add_factory('/door', factory)
server.attach(None)
print('ready %d' % server.get_bound_port(), flush=True)
GLib.MainLoop().run()

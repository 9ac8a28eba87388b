#!/usr/bin/python3
"""A bare WebKitGTK window (PyGObject, the same WebKitGTK as the app, no Tauri) for the memory
peer in webkit-baseline.sh: opens URL, with a web-process memory limit when LIMIT_MB > 0.

    webkit-peer.py URL LIMIT_MB

Variants that mimic how Tauri delivers a channel message (URL#eval-*, URL#*fetch*): the page is
served from a custom scheme (vrspeer://app/) that also serves a JPEG at vrspeer://app/frame/N,
and for eval-* this side runs a new script in the page 20 times a second (Tauri's channel runs
one per message, then the page fetches the data from its IPC scheme).
"""
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlparse

import gi

gi.require_version("Gtk", "3.0")
gi.require_version("WebKit2", "4.1")
gi.require_version("GdkPixbuf", "2.0")
from gi.repository import GdkPixbuf, Gio, GLib, Gtk, WebKit2  # noqa: E402

SCHEME = "vrspeer"


def preview_jpeg() -> bytes:
    """A 640x360 grey JPEG of about the size of the app's previews."""
    pixbuf = GdkPixbuf.Pixbuf.new(GdkPixbuf.Colorspace.RGB, False, 8, 640, 360)
    pixbuf.fill(0x808080FF)
    ok, data = pixbuf.save_to_bufferv("jpeg", ["quality"], ["80"])
    assert ok
    return bytes(data)


def noise_jpegs(count: int) -> list:
    """Distinct 640x480 mid-grey JPEGs with mild noise, about the size of the app's previews."""
    mild = bytes(96 + (b & 31) for b in range(256))
    out = []
    for _ in range(count):
        data = GLib.Bytes.new(os.urandom(640 * 480 * 3).translate(mild))
        pixbuf = GdkPixbuf.Pixbuf.new_from_bytes(data, GdkPixbuf.Colorspace.RGB, False, 8, 640, 480, 640 * 3)
        ok, jpeg = pixbuf.save_to_bufferv("jpeg", ["quality"], ["70"])
        assert ok
        out.append(bytes(jpeg))
    return out


def serve_mjpeg() -> int:
    """A loopback HTTP server streaming 20 JPEGs a second as multipart/x-mixed-replace (one URL
    for the whole stream, no script per frame); returns its port."""
    jpegs = noise_jpegs(10)

    class Stream(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "multipart/x-mixed-replace; boundary=frame")
            self.send_header("Cache-Control", "no-store")
            self.send_header("Access-Control-Allow-Origin", "*")
            self.end_headers()
            k = 0
            try:
                while True:
                    jpeg = jpegs[k % len(jpegs)]
                    k += 1
                    head = f"--frame\r\nContent-Type: image/jpeg\r\nContent-Length: {len(jpeg)}\r\n\r\n"
                    self.wfile.write(head.encode() + jpeg + b"\r\n")
                    self.wfile.flush()
                    if k % 200 == 0:
                        print(f"mjpeg: {k} frames sent", file=sys.stderr, flush=True)
                    time.sleep(0.05)
            except (BrokenPipeError, ConnectionResetError):
                pass

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Stream)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server.server_address[1]


def serve(page_path: str, jpeg: bytes):
    page = Path(page_path).read_bytes()

    def handle(request: WebKit2.URISchemeRequest) -> None:
        path = request.get_path()
        body, mime = (jpeg, "image/jpeg") if path.startswith("/frame/") else (page, "text/html")
        stream = Gio.MemoryInputStream.new_from_bytes(GLib.Bytes.new(body))
        request.finish(stream, len(body), mime)

    return handle


def main() -> None:
    url, limit_mb = sys.argv[1], int(sys.argv[2])
    properties = {}
    if limit_mb > 0:
        # The same settings the app gives its web process (src-tauri/src/web_memory.rs).
        settings = WebKit2.MemoryPressureSettings.new()
        settings.set_memory_limit(limit_mb)
        settings.set_strict_threshold(0.75)
        settings.set_conservative_threshold(0.5)
        settings.set_poll_interval(5.0)
        properties["memory_pressure_settings"] = settings
    context = WebKit2.WebContext(**properties)
    variant = urlparse(url).fragment
    if variant.startswith("eval") or "fetch" in variant:
        context.register_uri_scheme(SCHEME, serve(urlparse(url).path, preview_jpeg()))
        url = f"{SCHEME}://app/page.html#{variant}"
    if variant == "mjpeg":
        url = f"{url.split('#')[0]}?port={serve_mjpeg()}#mjpeg"
    view = WebKit2.WebView(web_context=context)
    window = Gtk.Window()
    window.set_default_size(1280, 800)
    window.add(view)
    window.connect("destroy", Gtk.main_quit)
    window.show_all()
    view.load_uri(url)
    if variant.startswith("eval"):
        frame = [0]

        def tick() -> bool:
            frame[0] += 1
            # A new script text each time, as Tauri's are (they name the message).
            view.evaluate_javascript(
                f"window.peerFrame && window.peerFrame({frame[0]})", -1, None, None, None, None, None
            )
            return True

        GLib.timeout_add(50, tick)
    Gtk.main()


if __name__ == "__main__":
    main()

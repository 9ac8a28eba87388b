#!/usr/bin/python3
"""A bare WebKitGTK window (PyGObject, the same WebKitGTK as the app, no Tauri) for the memory
peer in webkit-baseline.sh: opens URL, with a web-process memory limit when LIMIT_MB > 0.

    webkit-peer.py URL LIMIT_MB
"""
import sys

import gi

gi.require_version("Gtk", "3.0")
gi.require_version("WebKit2", "4.1")
from gi.repository import Gtk, WebKit2  # noqa: E402


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
    view = WebKit2.WebView(web_context=context)
    window = Gtk.Window()
    window.set_default_size(1280, 800)
    window.add(view)
    window.connect("destroy", Gtk.main_quit)
    window.show_all()
    view.load_uri(url)
    Gtk.main()


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Writes screenshots of the key pages at 375 px and 1280 px into screenshots/.

Usage: scripts/screenshots.py [--public Public] [--out screenshots] [--base http://127.0.0.1:PORT]
Without --base it serves the output folder itself on a free loopback port.
"""
import argparse
import contextlib
import functools
import http.server
import os
import socketserver
import threading

from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service

PAGES = [
    "/en/", "/pl/", "/sl/", "/ro/",
    "/en/cities/", "/pl/cities/lodz/", "/ro/cities/bucuresti-sector-2/",
    "/sl/hubs/slovenia/", "/ro/hubs/romania/", "/en/projects/capacities/",
    "/pl/search/?q=lodz", "/en/resources/", "/en/404.html",
]
WIDTHS = [375, 1280]


def browser(width):
    options = Options()
    options.binary_location = os.environ.get("CHROMIUM", "/usr/bin/chromium")
    for arg in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", f"--window-size={width},900", "--hide-scrollbars"]:
        options.add_argument(arg)
    return webdriver.Chrome(service=Service(os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver")), options=options)


@contextlib.contextmanager
def serve(folder):
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=folder)
    handler.log_message = lambda *args: None
    with socketserver.TCPServer(("127.0.0.1", 0), handler) as server:
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield f"http://127.0.0.1:{server.server_address[1]}"
        finally:
            server.shutdown()


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--public", default="Public")
    parser.add_argument("--out", default="screenshots")
    parser.add_argument("--base")
    parser.add_argument("--pages", nargs="*", default=PAGES)
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    with (contextlib.nullcontext(args.base) if args.base else serve(args.public)) as base:
        for width in WIDTHS:
            driver = browser(width)
            try:
                for path in args.pages:
                    driver.get(base + path)
                    height = driver.execute_script("return document.documentElement.scrollHeight")
                    driver.set_window_size(width, min(max(height, 600), 4000))
                    name = path.strip("/").replace("/", "_").replace("?", "_").replace("=", "-") or "root"
                    target = os.path.join(args.out, f"{name}-{width}.png")
                    driver.save_screenshot(target)
                    print(target)
            finally:
                driver.quit()


if __name__ == "__main__":
    main()

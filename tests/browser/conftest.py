"""The built portal (Public/) served by a real nginx with deploy/nginx.conf, read in
headless Chromium. Run after `portal build` (make test does)."""
import os
import re
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.request

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
PUBLIC = os.environ.get("PORTAL_PUBLIC", os.path.join(ROOT, "Public"))
LANGUAGES = sorted(
    name for name in os.listdir(os.path.join(ROOT, "Content"))
    if os.path.isfile(os.path.join(ROOT, "Content", name, "_language.yaml"))
)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def nginx_binary():
    for candidate in (shutil.which("nginx"), "/usr/sbin/nginx"):
        if candidate and os.path.exists(candidate):
            return candidate
    pytest.fail("nginx is not installed (make setup-test installs it)")


def wait_until_serving(base, process, name, seconds):
    """Returns when base + "/en/" answers; fails when the process ends or time is up."""
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            urllib.request.urlopen(base + "/en/", timeout=1)
            return
        except Exception:
            if process.poll() is not None:
                output = process.stdout.read().decode() if process.stdout else ""
                pytest.fail(f"{name} stopped: {output}")
            time.sleep(0.05)
    pytest.fail(f"{name} did not answer within {seconds} s")


@pytest.fixture(scope="session")
def server():
    """nginx on a free loopback port serving Public/ with the project's configuration."""
    assert os.path.isfile(os.path.join(PUBLIC, "index.html")), "build the portal first: make site"
    work = tempfile.mkdtemp(prefix="portal-nginx-")
    port = free_port()
    with open(os.path.join(ROOT, "deploy", "nginx.conf"), encoding="utf-8") as f:
        site = f.read()
    site = re.sub(r"listen 80;", f"listen 127.0.0.1:{port};", site)
    site = re.sub(r"root [^;]+;", f"root {PUBLIC};", site)
    with open(os.path.join(work, "portal.conf"), "w", encoding="utf-8") as f:
        f.write(site)
    user = "user root;\n" if os.geteuid() == 0 else ""
    main = f"""{user}daemon off;
worker_processes 1;
pid {work}/nginx.pid;
error_log {work}/error.log;
events {{ worker_connections 64; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log off;
    client_body_temp_path {work}/body;
    proxy_temp_path {work}/proxy;
    fastcgi_temp_path {work}/fastcgi;
    uwsgi_temp_path {work}/uwsgi;
    scgi_temp_path {work}/scgi;
    include {work}/portal.conf;
}}
"""
    with open(os.path.join(work, "nginx.conf"), "w", encoding="utf-8") as f:
        f.write(main)
    process = subprocess.Popen([nginx_binary(), "-c", os.path.join(work, "nginx.conf"), "-p", work],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    wait_until_serving(base, process, "nginx", seconds=5)
    yield base
    process.terminate()
    process.wait(timeout=10)
    shutil.rmtree(work, ignore_errors=True)


@pytest.fixture(scope="session")
def browser():
    options = Options()
    options.binary_location = os.environ.get("CHROMIUM", "/usr/bin/chromium")
    for arg in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1280,900", "--lang=en-GB"]:
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver")), options=options)
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()

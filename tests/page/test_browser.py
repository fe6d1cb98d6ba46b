"""The listening page in a real headless browser (Debian's chromium via selenium, nothing downloaded):
the library is listed, a click plays (currentTime advances), captions load with the script's first
sentence, the download link returns the file, the keyboard alone works, no console errors, and a
screenshot is saved to test-artifacts/listening-page.png."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait

from skill.catalogue import script_name
from skill.config import PROJECT_ROOT
from skill.speech import Speech, to_plain_text
from tests.play.helpers import RENDERED
from tests.play.server import Server

pytestmark = pytest.mark.slow

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
ARTIFACTS = PROJECT_ROOT / "test-artifacts"
MEDITATION, MINUTES = RENDERED
WAIT_S = 30  # an upper bound for the browser to get somewhere, never a performance assertion


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebDriver]:
    if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
        pytest.fail("chromium and chromedriver are needed (scripts/setup --dev installs them)")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--autoplay-policy=no-user-gesture-required",
        "--mute-audio",
        "--window-size=1100,1500",
        f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}",
    ):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    try:
        yield driver
    finally:
        driver.quit()


def first_sentence(meditation: str) -> str:
    """The first sentence the meditation's script speaks."""
    text = to_plain_text(Speech(PROJECT_ROOT / "templates").render_file(script_name(meditation)), show_pauses=False)
    match = re.match(r"\s*(.+?[.!?])(\s|$)", text)
    assert match, text
    return match.group(1)


def play_link(driver: WebDriver) -> Any:
    return driver.find_element(By.CSS_SELECTOR, f"#meditation-{MEDITATION} a.play")


def wait_for(driver: WebDriver, script: str) -> Any:
    return WebDriverWait(driver, WAIT_S).until(lambda d: d.execute_script(script))


def console_errors(driver: WebDriver) -> list[dict[str, Any]]:
    return [e for e in driver.get_log("browser") if e.get("level") == "SEVERE"]


def test_the_page_lists_plays_captions_and_downloads(
    browser: WebDriver, http_server: Server, library: Path, manifest: list[dict[str, Any]]
) -> None:
    browser.get(http_server.base + "/")
    assert browser.title.startswith("Inner Kindness")
    item = browser.find_element(By.ID, f"meditation-{MEDITATION}")
    assert "Self-compassion break" in item.text and f"{MINUTES} min" in item.text
    assert "A few kind minutes for a hard moment" in item.text
    assert browser.find_element(By.ID, "library-partial").is_displayed()
    assert "Still rendering" in browser.find_element(By.ID, "meditation-loving-kindness").text
    footer = browser.find_element(By.TAG_NAME, "footer").text
    assert "not a substitute for professional medical advice" in footer and "988" in footer

    play_link(browser).click()
    wait_for(browser, "const a = document.getElementById('player'); return a.currentTime > 0.5 && !a.paused;")
    assert "Self-compassion break" in browser.find_element(By.ID, "now-playing").text

    wait_for(browser, "const t = document.querySelector('#player track'); return t && t.readyState === 2;")
    track = browser.execute_script(
        "const t = document.querySelector('#player track');"
        "return {kind: t.kind, isDefault: t.default, cues: Array.from(t.track.cues).map(c => c.text)};"
    )
    assert track["kind"] == "captions" and track["isDefault"] is True
    assert track["cues"] and track["cues"][0] == first_sentence(MEDITATION)
    # read in the same call that sees it: between two sentences the box is empty again
    shown = wait_for(browser, "return document.getElementById('captions').textContent.trim();")
    assert shown in track["cues"]

    browser.execute_script("window.scrollTo(0, 0);")
    ARTIFACTS.mkdir(exist_ok=True)
    browser.save_screenshot(str(ARTIFACTS / "listening-page.png"))

    download = browser.find_element(By.CSS_SELECTOR, f"#meditation-{MEDITATION} a.download")
    entry = next(e for e in manifest if e["kind"] == "meditation" and e["id"] == MEDITATION)
    assert download.get_attribute("download") == Path(entry["file"]).name
    fetched = requests.get(download.get_attribute("href"), timeout=30)
    assert fetched.status_code == 200 and hashlib.sha256(fetched.content).hexdigest() == entry["sha256"]

    assert console_errors(browser) == []


def test_the_keyboard_alone_plays_a_meditation(browser: WebDriver, http_server: Server) -> None:
    browser.get(http_server.base + "/")
    target = play_link(browser)
    for _ in range(60):
        browser.switch_to.active_element.send_keys(Keys.TAB)
        if browser.switch_to.active_element == target:
            break
    assert browser.switch_to.active_element == target, "the play link is reachable with Tab"
    target.send_keys(Keys.ENTER)
    wait_for(browser, "const a = document.getElementById('player'); return a.currentTime > 0.5;")
    assert console_errors(browser) == []


def test_every_control_has_a_label_and_the_page_fits_a_phone(browser: WebDriver, http_server: Server) -> None:
    browser.get(http_server.base + "/")
    unlabelled = browser.execute_script(
        """
        const out = [];
        for (const el of document.querySelectorAll('a, button, input, audio, select, textarea')) {
          const labelled = el.getAttribute('aria-label') || (el.id && document.querySelector(`label[for="${el.id}"]`))
            || (el.tagName === 'A' && el.textContent.trim());
          if (!labelled) out.push(el.outerHTML.slice(0, 80));
        }
        return out;
        """
    )
    assert unlabelled == []
    size = browser.get_window_size()
    try:
        browser.set_window_size(390, 844)
        browser.get(http_server.base + "/")
        overflow = browser.execute_script(
            "return document.documentElement.scrollWidth - document.documentElement.clientWidth;"
        )
        assert overflow <= 0
        ARTIFACTS.mkdir(exist_ok=True)
        browser.save_screenshot(str(ARTIFACTS / "listening-page-phone.png"))
    finally:
        browser.set_window_size(size["width"], size["height"])
    assert console_errors(browser) == []

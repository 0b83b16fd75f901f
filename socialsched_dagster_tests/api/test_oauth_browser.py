"""A person connects an account in a real browser: headless Chromium opens the connect link,
the sandbox's consent page shows, Allow is clicked, and the API's page says the account is
connected; the API then lists it. Skipped without Chromium, chromedriver or selenium, unless
SOCIALSCHED_REQUIRE_SERVERS=1 (CI), where their absence fails the test."""

from __future__ import annotations

import os
import shutil

import pytest

from socialsched_dagster.domain.platforms import Platform

from .oauth_world import oauth_fixture, sandbox_fixture  # noqa: F401 (fixtures)

CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)


def _browser_or_skip():
    missing = [path for path in (CHROMIUM, CHROMEDRIVER) if not os.access(path, os.X_OK)]
    try:
        import selenium  # noqa: F401
    except ImportError:
        missing.append("the selenium package")
    if missing:
        why = f"no {', '.join(missing)} (apt-get install chromium chromium-driver; pip selenium)"
        if os.environ.get("SOCIALSCHED_REQUIRE_SERVERS") == "1":
            pytest.fail(why)
        pytest.skip(why)


@pytest.fixture
def chromium(tmp_path):
    _browser_or_skip()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path / 'chromium-profile'}")
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(tmp_path / "chromium-profile", ignore_errors=True)


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_person_connects_a_mastodon_account_in_a_browser(oauth, chromium):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as shown
    from selenium.webdriver.support.ui import WebDriverWait

    connect_url = oauth.start(Platform.MASTODON)

    chromium.get(connect_url)
    wait = WebDriverWait(chromium, 20)
    allow = wait.until(shown.element_to_be_clickable((By.ID, "allow")))
    assert "Mastodon (sandbox)" in chromium.find_element(By.TAG_NAME, "h1").text
    allow.click()
    wait.until(shown.text_to_be_present_in_element((By.TAG_NAME, "h1"), "Connected"))

    heading = chromium.find_element(By.TAG_NAME, "h1").text
    assert heading.startswith("Connected mastodon:") and heading.endswith("to workspace acme")
    ref = heading.removeprefix("Connected ").removesuffix(" to workspace acme")
    assert oauth.accounts()[ref]["status"] == "active"
    assert chromium.current_url.startswith(f"{oauth.api}/api/v1/oauth/callback")

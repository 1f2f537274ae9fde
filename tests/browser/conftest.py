"""A live portal on a free loopback port, Debian's Chromium driven by Playwright, axe on every page."""

import os
import re
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import sync_playwright

from tests.conftest import SCREENSHOTS as OUTPUT
from tests.live import live_portal

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
# What a root, network-less machine needs: no sandbox (root), no GPU, no calls home.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-extensions",
    "--disable-quic",
    "--no-first-run",
    "--no-default-browser-check",
    "--metrics-recording-only",
    "--font-render-hinting=none",
]

SERIOUS = {"serious", "critical"}


def pytest_collection_modifyitems(items):
    for item in items:
        if "browser" in str(item.path):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def live_app(live_url):
    """The application object behind `live_url` (to run its CLI commands, like the outbox worker)."""
    return live_url.app


@pytest.fixture(scope="session")
def live_url(backend, tmp_path_factory):
    """The portal served by a real WSGI server on its own database, with the demo data."""
    keys = tmp_path_factory.mktemp("live-keys")
    with live_portal(
        backend,
        tmp_path_factory,
        "browser",
        UPLOAD_DIR=str(tmp_path_factory.mktemp("live-uploads")),
        SIGNING_KEY_FILE=str(keys / "key.pem"),
    ) as live:
        assert live.app.test_cli_runner().invoke(args=["certificates", "keygen"]).exit_code == 0
        # Without the demo's year of requests: a minute on PostGIS, and queues the tests read would fill up.
        result = live.app.test_cli_runner().invoke(args=["seed", "demo", "--history", "0"])
        assert result.exit_code == 0, result.output
        yield live


@pytest.fixture(scope="session")
def chromium():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make system-deps` (Debian package chromium)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def screenshots(backend):
    folder = OUTPUT / backend
    folder.mkdir(parents=True, exist_ok=True)
    return folder


class Visitor:
    """A person with a browser: every page they see is screenshotted and checked by axe."""

    axe = Axe()

    def __init__(self, page, base_url: str, folder: Path, label: str, javascript: bool = True):
        self.page = page
        self.base_url = base_url
        self.folder = folder
        self.label = label
        self.javascript = javascript
        self.visited: list[str] = []

    def goto(self, path: str):
        self.page.goto(self.base_url + path)
        return self.check()

    def check(self, name: str | None = None):
        """Screenshot and accessibility-check whatever page the browser shows now."""
        self.page.wait_for_load_state("load")
        path = self.page.url.removeprefix(self.base_url).split("?")[0] or "/"
        name = name or (re.sub(r"[^a-z0-9]+", "-", path.lower()).strip("-") or "home")
        self.visited.append(path)
        self.page.screenshot(path=str(self.folder / f"{self.label}-{len(self.visited):02d}-{name}.png"), full_page=True)
        if self.javascript:
            results = self.axe.run(self.page)
            bad = [v for v in results.response["violations"] if v.get("impact") in SERIOUS]
            assert not bad, f"axe on {path}: " + "; ".join(
                f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:3]}" for v in bad
            )
        return self.page


@pytest.fixture
def visitor_factory(chromium, live_url, screenshots, request):
    contexts = []

    def make(language: str, *, javascript: bool = True, phone: bool = False) -> Visitor:
        context = chromium.new_context(
            locale={"ar": "ar-MA", "fr": "fr-MA"}[language],
            extra_http_headers={"Accept-Language": {"ar": "ar-MA,ar", "fr": "fr-MA,fr"}[language]},
            java_script_enabled=javascript,
            viewport={"width": 375, "height": 740} if phone else {"width": 1280, "height": 900},
            is_mobile=phone,
            has_touch=phone,
        )
        context.set_default_timeout(15_000)
        contexts.append(context)
        label = f"{request.node.name.replace('[', '-').rstrip(']')}" + ("" if javascript else "-nojs")
        label += "-phone" if phone else ""
        return Visitor(context.new_page(), live_url, screenshots, re.sub(r"[^A-Za-z0-9_-]+", "-", label), javascript)

    yield make
    for context in contexts:
        context.close()

"""The open-data page in a real browser, in Arabic and in French: reached from the footer, checked by axe, and
its CSV downloaded as a visitor would."""

import csv
import io

import pytest
from playwright.sync_api import expect

from services.stats.open_data import FIELD_NAMES
from tests.conftest import tr


@pytest.mark.parametrize("lang", ["ar", "fr"])
def test_a_visitor_finds_the_open_data_from_the_footer_and_downloads_the_requests(visitor_factory, lang):
    visitor = visitor_factory(lang)
    page = visitor.goto("/")
    page.locator("footer").get_by_role("link", name=tr(lang, "Open data")).click()
    visitor.check("open-data")
    expect(page.locator("html")).to_have_attribute("dir", "rtl" if lang == "ar" else "ltr")
    expect(page.locator("h1")).to_have_text(tr(lang, "Open data: the requests made to the commune"))
    expect(page.locator("#fields tbody tr")).to_have_count(len(FIELD_NAMES))

    with page.expect_download() as download:
        page.get_by_role("link", name="berkane-requests.csv", exact=True).click()
    assert download.value.suggested_filename == "berkane-requests.csv"
    text = download.value.path().read_text(encoding="utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    assert list(rows[0]) == list(FIELD_NAMES)  # the demo city has requests

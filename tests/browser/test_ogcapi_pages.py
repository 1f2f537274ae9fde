"""The OGC API's pages in a real browser, in Arabic and in French: from the landing page to one street light,
each page screenshotted and checked by axe."""

import pytest
from playwright.sync_api import expect

from tests.conftest import tr

LANGUAGES = ["ar", "fr"]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_visitor_walks_from_the_open_data_landing_page_to_one_street_light(visitor_factory, lang):
    visitor = visitor_factory(lang)
    page = visitor.goto("/ogcapi")
    expect(page.locator("html")).to_have_attribute("dir", "rtl" if lang == "ar" else "ltr")
    expect(page.locator("h1")).to_have_text(tr(lang, "Commune of Berkane — open geographic data"))
    page.get_by_role("link", name=tr(lang, "Street lights"), exact=True).first.click()
    visitor.check("collection")
    expect(page.locator("h1")).to_have_text(tr(lang, "Street lights"))
    page.get_by_role("link", name=tr(lang, "See the features"), exact=True).first.click()
    visitor.check("items")
    expect(page.locator("table caption")).to_contain_text("1")
    page.get_by_role("link", name=tr(lang, "Next page")).click()
    visitor.check("items-next")
    page.locator("tbody th a").first.click()
    visitor.check("item")
    expect(page.locator("h1")).to_contain_text(tr(lang, "Street lights"))

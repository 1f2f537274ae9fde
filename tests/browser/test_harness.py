"""The browser harness itself can fail: axe flags a page with serious problems."""

import pytest

from tests.browser.conftest import Visitor


def test_axe_check_fails_on_a_page_with_serious_violations(chromium, screenshots):
    context = chromium.new_context()
    try:
        page = context.new_page()
        page.set_content(
            '<html><head><title>x</title></head><body><main><img src="data:,">'
            '<input type="text"><p style="color:#ccc;background:#fff">faint text</p></main></body></html>'
        )
        visitor = Visitor(page, "about:", screenshots, "harness-self-check")
        with pytest.raises(AssertionError, match=r"image-alt|label|color-contrast"):
            visitor.check("self-check")
    finally:
        context.close()

"""First journeys of a resident and of staff, in Arabic and in French, in a real browser."""

import re
import uuid

import pytest
from playwright.sync_api import expect

from services.demo import ACCOUNTS
from tests.conftest import tr

LANGUAGES = ["ar", "fr"]
OTHER = {"ar": "fr", "fr": "ar"}
SWITCH_LABEL = {"ar": "العربية", "fr": "Français"}
# The first demo account of each role (the demo has a second agent, supervisor and citizen too).
DEMO = {account.role.value: account for account in reversed(ACCOUNTS)}


def _register(visitor, lang: str, email: str, password: str, **overrides):
    page = visitor.page
    values = {
        "Full name": "Khadija Bennani",
        "Email address": email,
        "Mobile phone number": "06 61 23 45 67",
        "CNIE number": f"K{uuid.uuid4().int % 1_000_000:06d}",
        "Password": password,
        "Confirm password": password,
    } | overrides
    for label, value in values.items():
        page.get_by_label(tr(lang, label), exact=True).fill(value)
    page.get_by_label(
        tr(lang, "I agree that the commune processes my personal data to handle my requests, under Law 09-08.")
    ).check()
    page.get_by_role("button", name=tr(lang, "Create my account")).click()


def _sign_in(visitor, lang: str, email: str, password: str):
    page = visitor.page
    page.get_by_label(tr(lang, "Email address")).fill(email)
    page.get_by_label(tr(lang, "Password"), exact=True).fill(password)
    page.get_by_role("button", name=tr(lang, "Sign in")).click()


def _expect_language(page, lang: str):
    expect(page.locator("html")).to_have_attribute("lang", lang)
    expect(page.locator("html")).to_have_attribute("dir", "rtl" if lang == "ar" else "ltr")


@pytest.mark.parametrize("lang", LANGUAGES)
def test_resident_registers_switches_language_signs_out_and_in(visitor_factory, lang):
    visitor = visitor_factory(lang)
    page = visitor.goto("/")
    _expect_language(page, lang)

    # The layout is mirrored in Arabic: the commune's name starts on the right.
    brand = page.locator(".brand").bounding_box()
    switch = page.locator(".language-switch").bounding_box()
    assert (brand["x"] > switch["x"]) == (lang == "ar")

    page.get_by_role("link", name=tr(lang, "Create an account")).first.click()
    visitor.check()
    email = f"resident-{uuid.uuid4().hex[:8]}@example.org"
    _register(visitor, lang, email, "ma phrase de passe longue")
    visitor.check()
    expect(page).to_have_url(re.compile(r"/account$"))
    expect(page.get_by_role("status")).to_contain_text(
        tr(lang, "Your account is ready. Welcome to the e-services portal.")
    )
    expect(page.get_by_role("navigation", name=tr(lang, "Main menu"))).to_contain_text("Khadija Bennani")

    # Switch language: same page, other language, other direction.
    other = OTHER[lang]
    page.get_by_role("button", name=re.compile(SWITCH_LABEL[other])).click()
    visitor.check("account-switched")
    expect(page).to_have_url(re.compile(r"/account$"))
    _expect_language(page, other)
    expect(page.get_by_role("heading", level=1)).to_have_text(tr(other, "My account"))

    page.get_by_role("button", name=tr(other, "Sign out")).click()
    visitor.check("signed-out")
    expect(page.get_by_role("status")).to_contain_text(tr(other, "You are signed out."))

    page.get_by_role("navigation", name=tr(other, "Main menu")).get_by_role("link", name=tr(other, "Sign in")).click()
    visitor.check()
    _sign_in(visitor, other, email, "ma phrase de passe longue")
    visitor.check("signed-in-again")
    expect(page).to_have_url(re.compile(r"/account$"))
    _expect_language(page, other)  # the choice was saved in the account


@pytest.mark.parametrize("lang", LANGUAGES)
def test_wrong_password_shows_an_error_summary_in_the_page_language(visitor_factory, lang):
    visitor = visitor_factory(lang)
    page = visitor.goto("/login")
    _sign_in(visitor, lang, DEMO["citizen"].email, "not the right password")
    visitor.check("login-error")
    summary = page.locator(".error-summary")
    expect(summary).to_contain_text(tr(lang, "There is a problem"))
    expect(summary).to_contain_text(tr(lang, "The email address or password is not correct."))
    expect(page).to_have_url(re.compile(r"/login$"))


@pytest.mark.parametrize("lang", LANGUAGES)
def test_invalid_registration_explains_each_field_and_links_to_it(visitor_factory, lang):
    visitor = visitor_factory(lang)
    page = visitor.goto("/register")
    _register(
        visitor,
        lang,
        "not-an-email",
        "short",
        **{"CNIE number": "12345", "Confirm password": "different", "Mobile phone number": "12"},
    )
    visitor.check("register-errors")
    summary = page.locator(".error-summary")
    expect(summary).to_contain_text(tr(lang, "The two passwords do not match."))
    # Each message links to its field; the field says it is invalid.
    summary.get_by_role("link", name=tr(lang, "The two passwords do not match.")).click()
    expect(page.locator("#confirm")).to_be_focused()
    expect(page.locator("#confirm")).to_have_attribute("aria-invalid", "true")
    # Nothing was saved: the account does not exist.
    page.goto(visitor.base_url + "/login")
    _sign_in(visitor, lang, "not-an-email", "short")
    expect(page.locator(".error-summary")).to_be_visible()


@pytest.mark.parametrize("lang", LANGUAGES)
def test_registration_and_sign_out_work_without_javascript(visitor_factory, lang):
    visitor = visitor_factory(lang, javascript=False)
    page = visitor.goto("/register")
    email = f"nojs-{uuid.uuid4().hex[:8]}@example.org"
    _register(visitor, lang, email, "sans javascript du tout")
    visitor.check()
    expect(page).to_have_url(re.compile(r"/account$"))
    page.get_by_role("button", name=re.compile(SWITCH_LABEL[OTHER[lang]])).click()
    _expect_language(page, OTHER[lang])
    page.get_by_role("button", name=tr(OTHER[lang], "Sign out")).click()
    visitor.check("nojs-signed-out")
    expect(page.get_by_role("navigation", name=tr(OTHER[lang], "Main menu"))).to_contain_text(
        tr(OTHER[lang], "Sign in")
    )


STAFF_PAGES = {
    "admin": [
        "/admin/",
        "/admin/users/new",
        "/admin/departments",
        "/admin/departments/new",
        "/admin/outbox",
        "/admin/services",
        "/admin/services/new",
        "/admin/services/street-light-outage",
        "/admin/templates",
        "/admin/templates/new",
        "/admin/templates/1",
        "/admin/holidays",
        "/staff/",
        "/dashboard/",
    ],
    "mayor_office": ["/dashboard/", "/account", "/account/password"],
    "agent": ["/staff/", "/staff/queue?assigned=me", "/staff/queue?status=all&sort=filed", "/account"],
    "supervisor": ["/staff/queue", "/staff/queue?due=overdue", "/staff/queue?q=zzzz-nothing-matches"],
}


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("role", list(STAFF_PAGES))
def test_staff_pages_render_and_are_accessible(visitor_factory, lang, role):
    visitor = visitor_factory(lang)
    visitor.goto("/login")
    _sign_in(visitor, lang, DEMO[role].email, DEMO[role].password)
    visitor.check(f"{role}-home")
    for path in STAFF_PAGES[role]:
        page = visitor.goto(path)
        _expect_language(page, lang)
        assert page.locator("h1").count() == 1
    if role == "admin":
        page = visitor.goto("/admin/")
        page.get_by_role("link", name=DEMO["agent"].full_name).click()
        visitor.check("admin-edit-user")
        expect(page.get_by_label(tr(lang, "Role"), exact=True)).to_have_value("agent")


@pytest.mark.parametrize("lang", LANGUAGES)
def test_public_pages_fit_a_phone_screen_without_sideways_scrolling(visitor_factory, lang):
    visitor = visitor_factory(lang, phone=True)
    for path in ["/", "/register", "/login"]:
        page = visitor.goto(path)
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"{path} scrolls sideways by {overflow}px"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_resident_finds_a_service_by_searching_the_catalogue(visitor_factory, lang):
    visitor = visitor_factory(lang)
    page = visitor.goto("/")
    page.get_by_role("navigation", name=tr(lang, "Main menu")).get_by_role("link", name=tr(lang, "E-services")).click()
    visitor.check()
    query = {"ar": "الانارة", "fr": "eclairage"}[lang]  # no hamza, no accent: still found
    page.get_by_label(tr(lang, "Search for a service")).fill(query)
    page.get_by_role("button", name=tr(lang, "Search")).click()
    visitor.check("catalogue-search")
    name = {"ar": "تبليغ عن عطب في الإنارة العمومية", "fr": "Signalement d'une panne d'éclairage public"}[lang]
    page.get_by_role("link", name=name).click()
    visitor.check("service")
    expect(page.get_by_role("heading", level=1)).to_have_text(name)
    expect(page.get_by_role("main")).to_contain_text(tr(lang, "Legal deadline"))

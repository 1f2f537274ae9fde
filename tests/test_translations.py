"""Every message a user can read is translated into Arabic and French."""

from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
METHOD_MAP = [
    ("portal/**.py", "python"),
    ("services/**.py", "python"),
    ("gis/**.py", "python"),
    ("portal/templates/**.html", "jinja2"),
    ("portal/templates/**.txt", "jinja2"),  # plain-text emails
]
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None, "lazy_ngettext": (1, 2)}


@pytest.fixture(scope="module")
def msgids() -> set[str]:
    found = set()
    for _filename, _lineno, message, _comments, _context in extract_from_dir(
        str(ROOT),
        METHOD_MAP,
        keywords=KEYWORDS,
        options_map={
            "portal/templates/**.html": {"extensions": "jinja2.ext.i18n"},
            "portal/templates/**.txt": {"extensions": "jinja2.ext.i18n"},
        },
    ):
        found.add(message[0] if isinstance(message, tuple) else message)
    return found


def test_extraction_finds_the_portal_messages(msgids):
    assert "Commune of Berkane" in msgids and "Sign in" in msgids
    assert len(msgids) > 100


@pytest.mark.parametrize("language", ["ar", "fr"])
def test_catalog_translates_every_message_without_fuzzy_entries(msgids, language):
    catalog = read_po((ROOT / "translations" / language / "LC_MESSAGES" / "messages.po").open("rb"))
    problems = []
    for msgid in sorted(msgids):
        entry = catalog.get(msgid)
        if entry is None:
            problems.append(f"missing: {msgid!r}")
        elif entry.fuzzy:
            problems.append(f"fuzzy: {msgid!r}")
        elif not entry.string or (isinstance(entry.string, tuple) and not all(entry.string)):
            problems.append(f"empty: {msgid!r}")
    assert problems == [], f"{language}: {len(problems)} problems, e.g. {problems[:5]}"


@pytest.mark.parametrize("language", ["ar", "fr"])
def test_translations_keep_the_placeholders(language):
    import re

    catalog = read_po((ROOT / "translations" / language / "LC_MESSAGES" / "messages.po").open("rb"))
    for message in catalog:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        expected = set(re.findall(r"%\((\w+)\)s", ids[-1]))
        for string in strings:
            assert set(re.findall(r"%\((\w+)\)s", string)) == expected, (language, message.id)

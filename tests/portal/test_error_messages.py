"""Every error code the domain raises has a sentence for the user."""

import re
from pathlib import Path

from portal.i18n import ERROR_MESSAGES

ROOT = Path(__file__).resolve().parents[2]
RAISED = re.compile(r"\b(?:Invalid|NotFound|NotAllowed|Conflict|InvalidTransition)\(\s*f?\"([a-z0-9_{}]+)\"")


def test_every_raised_code_has_a_message():
    codes = set()
    for package in ("services", "gis"):
        for path in (ROOT / package).rglob("*.py"):
            codes |= set(RAISED.findall(path.read_text()))
    # f-string codes such as "{field}_required" expand to the fields that use them.
    expanded = {c for c in codes if "{" not in c}
    expanded |= {f"{name}_required" for name in ("name_ar", "name_fr", "decree")}
    assert len(expanded) > 30
    assert sorted(expanded - ERROR_MESSAGES.keys()) == []

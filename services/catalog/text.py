"""Search normalisation for Arabic and French."""

import re
import unicodedata

# Harakat, shadda, sukun, superscript alef, Quranic marks, and the tatweel stretch.
_ARABIC_MARKS = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640]")
_ARABIC_LETTERS = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ي", "ئ": "ي", "ة": "ه", "ؤ": "و"})


def normalise(text: str) -> str:
    """Fold what searchers do not type consistently.

    Arabic: no diacritics or tatweel; alef, ya and ta-marbuta variants made equal.
    French: case and accents ignored. Whitespace folded.
    """
    text = _ARABIC_MARKS.sub("", unicodedata.normalize("NFC", text or ""))
    text = text.translate(_ARABIC_LETTERS)
    decomposed = unicodedata.normalize("NFD", text.casefold())
    # Strip Latin accents only: Arabic hamza-above etc. were mapped above already.
    text = "".join(ch for ch in decomposed if not (unicodedata.combining(ch) and ch < "\u0600"))
    return " ".join(unicodedata.normalize("NFC", text).split())

"""PDF documents (receipts, certificates) from HTML templates, with WeasyPrint.

WeasyPrint shapes Arabic through HarfBuzz and lays out right-to-left text from
the `dir` attribute; the Noto fonts come from Debian's fonts-noto-core through
fontconfig, so a PDF never depends on a network font.
"""

from flask import render_template
from weasyprint import HTML

from portal.i18n import current_language, text_direction


def render_pdf(template: str, **context) -> bytes:
    """The PDF of a template rendered in the current language."""
    html = render_template(template, lang=current_language(), dir=text_direction(), **context)
    return HTML(string=html).write_pdf()

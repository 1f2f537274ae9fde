"""Copy the npm-installed front-end assets into portal/static/vendor (no CDN at run time)."""

import re
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MODULES = ROOT / "node_modules"
VENDOR = ROOT / "portal" / "static" / "vendor"
FONTS = [("@fontsource/noto-sans-arabic", ("400", "700")), ("@fontsource/noto-sans", ("400", "700"))]


def build_fonts() -> None:
    files = VENDOR / "files"
    files.mkdir(parents=True, exist_ok=True)
    css = []
    for package, weights in FONTS:
        base = MODULES / package
        if not base.exists():
            sys.exit(f"{package} is not installed: run `npm ci` first")
        for weight in weights:
            text = (base / f"{weight}.css").read_text()
            # Keep only WOFF2 (every supported browser reads it) and copy what is referenced.
            text = re.sub(r",\s*url\(\./files/[^)]+\.woff\) format\('woff'\)", "", text)
            for name in re.findall(r"url\(\./files/([^)]+\.woff2)\)", text):
                shutil.copy2(base / "files" / name, files / name)
            css.append(text)
    (VENDOR / "fonts.css").write_text("\n".join(css))


def build_leaflet() -> None:
    """Leaflet draws the district map of the filing form; no tiles are fetched from anywhere."""
    base = MODULES / "leaflet" / "dist"
    if not base.exists():
        sys.exit("leaflet is not installed: run `npm ci` first")
    target = VENDOR / "leaflet"
    target.mkdir(parents=True, exist_ok=True)
    for name in ("leaflet.js", "leaflet.css"):
        shutil.copy2(base / name, target / name)
    shutil.copytree(base / "images", target / "images", dirs_exist_ok=True)


# The UMD builds run from a plain <script>; vega-embed's bundles the expression interpreter (no eval, CSP-safe).
VEGA = [("vega", "vega.min.js"), ("vega-lite", "vega-lite.min.js"), ("vega-embed", "vega-embed.min.js")]


def build_vega() -> None:
    """Vega-Lite draws the dashboard's charts in the browser, from the specs the PDF report renders too."""
    target = VENDOR / "vega"
    target.mkdir(parents=True, exist_ok=True)
    for package, name in VEGA:
        source = MODULES / package / "build" / name
        if not source.exists():
            sys.exit(f"{package} is not installed: run `npm ci` first")
        shutil.copy2(source, target / name)


if __name__ == "__main__":
    build_fonts()
    build_leaflet()
    build_vega()
    print(f"assets built in {VENDOR.relative_to(ROOT)}")

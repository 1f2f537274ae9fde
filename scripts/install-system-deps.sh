#!/usr/bin/env bash
# Installs the Debian packages the portal and its tests need, only those missing.
# Needs root (or sudo): `make run` and `make test` call it.
set -euo pipefail

PACKAGES=(
  libsqlite3-mod-spatialite   # SpatiaLite, the embedded default database
  postgresql-15               # PostgreSQL server, for the PostGIS test run and production
  postgresql-15-postgis-3     # PostGIS
  chromium                    # headless browser for the browser tests
  fonts-noto-core             # Arabic and Latin fonts for screenshots
  poppler-utils               # pdftoppm, to look at rendered PDFs (certificates, receipts) as images
  gdal-bin                    # ogrinfo, GDAL's OGC API - Features client, for the /ogcapi tests
  nodejs npm                  # front-end assets come from the npm registry
)
PACKAGES+=("$@")              # extra packages a target asks for (make bench-deps: wrk)

missing=()
for pkg in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
# Node may come from elsewhere than Debian; any working npm will do.
if command -v npm >/dev/null 2>&1; then
  missing=("${missing[@]/nodejs}"); missing=("${missing[@]/npm}")
fi
missing=($(printf '%s\n' "${missing[@]}" | grep -v '^$' || true))
[ ${#missing[@]} -eq 0 ] && exit 0

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null 2>&1 || { echo "Please install as root: ${missing[*]}" >&2; exit 1; }
  SUDO="sudo"
fi
echo "Installing Debian packages: ${missing[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null

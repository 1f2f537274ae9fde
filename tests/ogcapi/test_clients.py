"""Independent clients read the OGC API from a live portal: OWSLib, GDAL's OAPIF driver and the ogctests suite."""

import json
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from owslib.ogcapi.features import Features

from portal.ogcapi.catalogue import COLLECTIONS
from tests.ogcapi.conftest import LIGHTS

ROOT = Path(__file__).resolve().parents[2]
OGCTESTS = ROOT / ".venv-ogctests" / "bin" / "python"


def test_owslib_lists_every_collection_and_pages_through_every_street_light(ogcapi_url):
    api = Features(ogcapi_url)
    assert sorted(api.feature_collections()) == sorted(COLLECTIONS)
    assert api.conformance()["conformsTo"]
    seen, offset = [], 0
    while True:
        page = api.collection_items("lights", limit=7, offset=offset)
        seen += [feature["id"] for feature in page["features"]]
        if not any(link["rel"] == "next" for link in page["links"]):
            break
        offset += 7
    assert len(seen) == len(set(seen)) == LIGHTS
    assert page["numberMatched"] == LIGHTS


def _gdal(*args: str) -> str:
    if shutil.which(args[0]) is None:
        pytest.fail(f"{args[0]} is missing: run `make system-deps` (Debian package gdal-bin)")
    done = subprocess.run(args, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_gdal_lists_every_collection_and_reads_every_street_light(ogcapi_url, tmp_path):
    summary = _gdal("ogrinfo", "-ro", "-so", "-al", f"OAPIF:{ogcapi_url}")
    for cid in COLLECTIONS:
        assert f"Layer name: {cid}" in summary
    out = tmp_path / "lights.geojson"
    _gdal("ogr2ogr", "-f", "GeoJSON", str(out), f"OAPIF:{ogcapi_url}", "lights")
    lights = json.loads(out.read_text())["features"]
    assert len(lights) == LIGHTS
    assert len({feature["properties"]["code"] for feature in lights}) == LIGHTS


def test_the_ogctests_suite_passes_every_core_test(ogcapi_url, tmp_path):
    if not OGCTESTS.exists():
        pytest.fail("the ogctests suite is missing: run `make test-deps` (it builds .venv-ogctests)")
    report = tmp_path / "ogctests.xml"
    # An empty configuration of its own: the suite lives in .venv-ogctests, under this project's pyproject.toml.
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    run = (
        "import sys; from ogctests.main import run_ogctests; "
        "flags = ['-c', sys.argv[3], '-p', 'no:cacheprovider', '-q', '--junit-xml=' + sys.argv[2]]; "
        "sys.exit(run_ogctests('features/core', sys.argv[1], flags))"
    )
    done = subprocess.run(
        [str(OGCTESTS), "-c", run, ogcapi_url, str(report), str(tmp_path / "pytest.ini")],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
        check=False,
    )
    suite = ET.parse(report).getroot().find("testsuite")  # noqa: S314 (our own subprocess wrote it)
    cases = suite.findall("testcase")
    failed = [
        f"{case.get('name')}: {(problem.get('message') or '')[:300]}"
        for case in cases
        for problem in (*case.findall("failure"), *case.findall("error"), *case.findall("skipped"))
    ]
    assert failed == [], done.stdout[-3000:]
    # Every abstract test of Part 1 Core the suite holds (ast1 to ast29) ran and passed.
    assert len(cases) == 29
    assert done.returncode == 0

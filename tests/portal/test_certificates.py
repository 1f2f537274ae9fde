"""Issuing certificates from the portal, checking them in public and offline, and their command line."""

import io
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from pypdf import PdfReader

from portal.certificates.issue import approve_and_issue
from portal.extensions import db as _db
from services.accounts.models import User
from services.certificates import signing, verify
from services.requests.models import ServiceRequest
from tests.conftest import page_text, tr
from tests.factories import make_user
from tests.services.certificates.conftest import ready_request

ROOT = Path(__file__).resolve().parents[2]
HOLDER = "Mohamed Benali"


@pytest.fixture
def key_file(app, tmp_path):
    """A fresh signing key for this test, configured as the commune's."""
    path = tmp_path / "keys" / "signing_key.pem"
    key = signing.generate_key()
    signing.save_private_key(key, path)
    original = app.config["SIGNING_KEY_FILE"]
    app.config["SIGNING_KEY_FILE"] = str(path)
    yield path
    app.config["SIGNING_KEY_FILE"] = original


@pytest.fixture
def issued(app, db, store, key_file):
    """A residence certificate approved by an agent through the portal helper."""
    request, agent = ready_request(db.session, store, citizen=make_user(db.session, full_name=HOLDER))
    db.session.commit()
    with app.test_request_context():
        certificate = approve_and_issue(_db.session.get(ServiceRequest, request.id), _db.session.get(User, agent.id))
        _db.session.commit()
        code, pdf = certificate.code, certificate.pdf
    db.session.refresh(request)
    return request, code, pdf


def upload(client, pdf: bytes, name="certificate.pdf"):
    return client.submit(
        "/verify", {"document": (io.BytesIO(pdf), name)}, content_type="multipart/form-data", form_url="/verify"
    )


def test_approving_issues_a_pdf_with_the_code_and_the_holder_name(issued, key_file):
    request, code, pdf = issued
    assert request.status == "approved"
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert code in text
    assert HOLDER in text
    assert request.tracking_number in text
    assert verify.check(pdf, signing.load_private_key(key_file).public_key()).ok


def test_the_holder_downloads_a_pdf_that_verifies_offline_with_the_published_key(issued, client, login_as, tmp_path):
    request, code, _pdf = issued
    login_as(user=request.citizen)
    download = client.get(f"/track/{request.tracking_number}/certificate.pdf")
    assert download.status_code == 200
    assert download.mimetype == "application/pdf"
    assert code in download.headers["Content-Disposition"]
    published = client.get("/.well-known/berkane-signing-key.pem")
    assert published.status_code == 200
    assert published.data.startswith(b"-----BEGIN PUBLIC KEY-----")
    assert published.headers["X-Key-Id"] == verify.key_id(verify.load_public_key(published.data))

    (tmp_path / "c.pdf").write_bytes(download.data)
    (tmp_path / "key.pem").write_bytes(published.data)
    run = subprocess.run(
        [sys.executable, "-m", "services.certificates.verify", str(tmp_path / "c.pdf"), str(tmp_path / "key.pem")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert code in run.stdout


def test_another_citizen_cannot_download_someones_certificate(issued, client, login_as):
    request, _code, _pdf = issued
    assert client.get(f"/track/{request.tracking_number}/certificate.pdf").status_code == 404
    login_as()
    assert client.get(f"/track/{request.tracking_number}/certificate.pdf").status_code == 404


def test_the_verify_page_shows_what_was_issued_but_never_the_full_name_or_cnie(issued, client):
    request, code, _pdf = issued
    response = client.get(f"/verify/{code}")
    assert response.status_code == 200
    text = page_text(response)
    assert "M***d B***i" in text
    assert HOLDER not in text and "Benali" not in text
    assert request.citizen.cnie not in response.get_data(as_text=True)
    assert request.service_version.name_ar in text
    assert request.department.name_ar in text
    assert tr("ar", "Valid: the commune of Berkane issued this document and has not revoked it.") in text


def test_an_unknown_code_is_a_404_saying_there_is_no_such_document(client):
    response = client.get("/verify/00000-00000")
    assert response.status_code == 404
    assert tr("ar", "No such document") in page_text(response)


def test_a_code_typed_loosely_leads_to_its_page_and_a_malformed_one_is_explained(issued, client):
    _request, code, _pdf = issued
    response = client.get("/verify", query_string={"code": code.lower().replace("-", " ")})
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/verify/{code}")
    assert client.get("/verify", query_string={"code": "abc"}).status_code == 400


def test_an_uploaded_certificate_is_valid_and_one_changed_byte_is_reported(issued, client):
    _request, code, pdf = issued
    valid = upload(client, pdf)
    assert valid.status_code == 200
    assert tr(
        "ar", "Valid: this file is a certificate issued by the commune of Berkane, unchanged since it was signed."
    ) in page_text(valid)
    assert code in page_text(valid)
    changed = bytearray(pdf)
    changed[200] ^= 0x20
    response = upload(client, bytes(changed))
    assert tr("ar", "Changed: this file was modified after the commune signed it. Do not trust it.") in page_text(
        response
    )
    assert code not in page_text(response)


def test_an_upload_that_is_not_a_pdf_is_refused(client, key_file):
    response = upload(client, b"GIF89a not a pdf", "c.pdf")
    assert response.status_code == 400
    assert tr("ar", "This file is not a PDF.") in page_text(response)
    unsigned = upload(client, b"%PDF-1.7\n%%EOF\n")
    assert tr("ar", "Not signed: this PDF is not a certificate signed by the commune of Berkane.") in page_text(
        unsigned
    )


def test_revocation_shows_on_the_verify_page_and_the_upload_check_says_revoked(app, issued, client, db):
    _request, code, pdf = issued
    admin = make_user(db.session, "admin")
    db.session.commit()
    result = app.test_cli_runner().invoke(
        args=["certificates", "revoke", code, "--reason", "Adresse erronée", "--by", admin.email]
    )
    assert result.exit_code == 0, result.output
    text = page_text(client.get(f"/verify/{code}"))
    assert tr("ar", "Revoked: this document is no longer valid.") in text
    assert "Adresse erronée" in text
    assert tr("ar", "Revoked: this document is no longer valid.") in page_text(upload(client, pdf))


def test_the_cli_revokes_only_with_a_reason_and_an_entitled_account(app, issued, db):
    _request, code, _pdf = issued
    citizen = make_user(db.session)
    db.session.commit()
    runner = app.test_cli_runner()
    assert runner.invoke(args=["certificates", "revoke", code, "--by", citizen.email]).exit_code != 0
    refused = runner.invoke(args=["certificates", "revoke", code, "--reason", "x", "--by", citizen.email])
    assert refused.exit_code != 0
    assert "certificate_revoke_not_allowed" in refused.output


def test_the_cli_verifies_a_file_against_the_configured_key(app, issued, tmp_path):
    _request, code, pdf = issued
    good, bad = tmp_path / "good.pdf", tmp_path / "bad.pdf"
    good.write_bytes(pdf)
    bad.write_bytes(pdf[:100] + b"X" + pdf[101:])
    runner = app.test_cli_runner()
    valid = runner.invoke(args=["certificates", "verify", str(good)])
    assert valid.exit_code == 0, valid.output
    assert valid.output.startswith("VALID") and code in valid.output
    invalid = runner.invoke(args=["certificates", "verify", str(bad)])
    assert invalid.exit_code == 1
    assert invalid.output.strip() == "INVALID: the PDF was changed after it was signed"


def test_keygen_writes_a_file_only_its_owner_can_read_and_refuses_to_overwrite(app, tmp_path):
    path = tmp_path / "instance" / "signing_key.pem"
    original = app.config["SIGNING_KEY_FILE"]
    app.config["SIGNING_KEY_FILE"] = str(path)
    try:
        runner = app.test_cli_runner()
        first = runner.invoke(args=["certificates", "keygen"])
        assert first.exit_code == 0, first.output
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
        key_id = signing.key_id(signing.load_private_key(path).public_key())
        assert key_id in first.output
        refused = runner.invoke(args=["certificates", "keygen"])
        assert refused.exit_code != 0
        assert signing.key_id(signing.load_private_key(path).public_key()) == key_id
        forced = runner.invoke(args=["certificates", "keygen", "--force"])
        assert forced.exit_code == 0
        assert signing.key_id(signing.load_private_key(path).public_key()) != key_id
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    finally:
        app.config["SIGNING_KEY_FILE"] = original


def test_the_key_endpoint_is_a_404_when_no_key_is_configured(app, client, tmp_path):
    original = app.config["SIGNING_KEY_FILE"]
    app.config["SIGNING_KEY_FILE"] = str(tmp_path / "none.pem")
    try:
        assert client.get("/.well-known/berkane-signing-key.pem").status_code == 404
    finally:
        app.config["SIGNING_KEY_FILE"] = original

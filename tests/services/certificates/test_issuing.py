import base64
import json
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from services.certificates import service as certificates
from services.certificates import signing, verify
from services.certificates.models import Certificate
from services.errors import Invalid, InvalidTransition, NotAllowed, NotFound
from services.notifications.models import OutboxMessage
from services.requests.models import RequestEvent
from tests.factories import make_user
from tests.services.certificates.conftest import fake_pdf, ready_request

ROOT = Path(__file__).resolve().parents[3]


def issue(db, ready, key, **kwargs):
    request, agent = ready
    return certificates.issue_certificate(db.session, request, user=agent, private_key=key, render=fake_pdf, **kwargs)


def count(db, model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_issuing_approves_the_request_and_signs_the_pdf(db, ready, key):
    certificate = issue(db, ready, key)
    request, agent = ready
    assert request.status == "approved"
    assert request.events[-1].action == "approve"
    assert request.events[-1].data == {"certificate": certificate.code}
    assert certificate.issued_by_id == agent.id
    assert (certificate.holder_name, certificate.holder_cnie) == ("Mohamed Benali", request.citizen.cnie)
    assert certificate.key_id == signing.key_id(key.public_key())
    result = verify.check(certificate.pdf, key.public_key())
    assert result.ok, result.failure
    assert result.content == certificate.content
    assert certificate.pdf.startswith(b"%PDF-")


def test_the_signed_content_binds_the_holder_the_answers_and_the_pdf(db, ready, key):
    certificate = issue(db, ready, key)
    content = certificate.content
    request, _agent = ready
    assert content["format"] == "brk-certificate/1"
    assert content["code"] == certificate.code
    assert content["holder"] == {"name": "Mohamed Benali", "cnie": request.citizen.cnie}
    assert content["answers"] == {"address": "12 rue Al Massira, Berkane"}
    assert content["tracking_number"] == request.tracking_number
    assert content["service"]["name_ar"] == request.service_version.name_ar
    assert content["department"]["name_fr"] == request.department.name_fr
    assert content["issued_at"].endswith("Z")
    body = certificate.pdf[: certificate.pdf.rindex(b"%BRK-SIGNATURE")]
    assert content["pdf_sha256"] == certificate.pdf_sha256
    assert verify.hashlib.sha256(body).hexdigest() == certificate.pdf_sha256
    assert base64.b64decode(certificate.signature) == verify.split(certificate.pdf).signature


def test_the_signature_is_one_comment_line_after_the_end_of_the_pdf(db, ready, key):
    certificate = issue(db, ready, key)
    *_, eof, line, empty = certificate.pdf.split(b"\n")
    assert (eof, empty) == (b"%%EOF", b"")
    assert line.startswith(b"%BRK-SIGNATURE ")
    payload = verify.split(certificate.pdf).payload
    assert payload == verify.canonical_json(json.loads(payload))


def test_the_code_is_ten_crockford_characters_in_two_groups(db, ready, key):
    code = issue(db, ready, key).code
    assert len(code) == 11 and code[5] == "-"
    assert set(code.replace("-", "")) <= set(certificates.ALPHABET)


def test_a_code_is_found_as_typed_with_spaces_lowercase_and_look_alike_letters(db, ready, key):
    certificate = issue(db, ready, key)
    typed = certificate.code.lower().replace("-", " ").replace("0", "o").replace("1", "l")
    assert certificates.get_by_code(db.session, typed) is certificate
    with pytest.raises(NotFound):
        certificates.get_by_code(db.session, "00000-00000")
    with pytest.raises(NotFound):
        certificates.get_by_code(db.session, "not a code")


def test_one_changed_byte_in_the_pdf_body_is_a_changed_document(db, ready, key):
    pdf = bytearray(issue(db, ready, key).pdf)
    pdf[20] ^= 0x01
    result = certificates.verify_document(db.session, bytes(pdf), key.public_key())
    assert (result.ok, result.failure) == (False, "document_changed")


def test_a_changed_signed_content_breaks_the_signature(db, ready, key):
    certificate = issue(db, ready, key)
    signed = verify.split(certificate.pdf)
    forged = dict(certificate.content, holder={"name": "Someone Else", "cnie": "X1"})
    pdf = signed.body + verify.signature_line(verify.canonical_json(forged), signed.signature)
    assert verify.check(pdf, key.public_key()).failure == "signature_invalid"


def test_a_signature_made_with_another_key_fails(db, ready, key):
    certificate = issue(db, ready, key)
    other = signing.generate_key()
    signed = verify.split(certificate.pdf)
    payload, signature = signing.sign(other, certificate.content)
    pdf = signed.body + verify.signature_line(payload, signature)
    result = certificates.verify_document(db.session, pdf, key.public_key())
    assert (result.ok, result.failure) == (False, "signature_invalid")
    # Checked against the other key, the key id inside names the commune's key: still refused.
    assert verify.check(pdf, other.public_key()).failure == "signature_invalid"


def test_a_pdf_without_a_signature_line_is_not_signed(db, key):
    result = certificates.verify_document(db.session, b"%PDF-1.7\n%%EOF\n", key.public_key())
    assert (result.ok, result.failure) == (False, "not_signed")


def test_a_validly_signed_document_with_an_unknown_code_fails(db, ready, key):
    certificate = issue(db, ready, key)
    content = dict(certificate.content, code="00000-00000")
    payload, signature = signing.sign(key, content)
    pdf = verify.split(certificate.pdf).body + verify.signature_line(payload, signature)
    result = certificates.verify_document(db.session, pdf, key.public_key())
    assert (result.ok, result.failure) == (False, "unknown_code")


def test_a_revoked_certificate_fails_with_its_reason(db, ready, key):
    certificate = issue(db, ready, key)
    request, _agent = ready
    supervisor = make_user(db.session, "supervisor", department_id=request.department_id)
    certificates.revoke(db.session, certificate.code, user=supervisor, reason="Issued on a false address")
    result = certificates.verify_document(db.session, certificate.pdf, key.public_key())
    assert (result.ok, result.failure, result.certificate) == (False, "revoked", certificate)
    assert certificate.revoke_reason == "Issued on a false address"
    assert certificate.revoked_by_id == supervisor.id
    entry = request.events[-1]
    assert (entry.action, entry.is_public, entry.note) == ("revoke_certificate", False, "Issued on a false address")


def test_revoking_needs_a_reason_and_the_right_person(db, ready, key):
    certificate = issue(db, ready, key)
    request, agent = ready
    with pytest.raises(Invalid):
        certificates.revoke(db.session, certificate.code, user=make_user(db.session, "admin"), reason="  ")
    for user in (agent, make_user(db.session, "supervisor"), request.citizen):
        with pytest.raises(NotAllowed):
            certificates.revoke(db.session, certificate.code, user=user, reason="Mistake")
    certificates.revoke(db.session, certificate.code, user=make_user(db.session, "admin"), reason="Mistake")
    with pytest.raises(InvalidTransition):
        certificates.revoke(db.session, certificate.code, user=make_user(db.session, "admin"), reason="Again")


@pytest.mark.parametrize(
    ("kind", "steps", "error"),
    [
        ("report", ("acknowledge", "start"), InvalidTransition),  # not a certificate
        ("certificate", ("acknowledge",), InvalidTransition),  # not in progress yet
        ("certificate", ("acknowledge", "start", "request_document"), InvalidTransition),  # waiting for the citizen
    ],
)
def test_only_certificate_requests_in_progress_can_be_issued(db, store, key, kind, steps, error):
    request, agent = ready_request(db.session, store, kind=kind, status_steps=steps)
    status, events, mails = request.status, count(db, RequestEvent), count(db, OutboxMessage)
    with pytest.raises(error):
        certificates.issue_certificate(db.session, request, user=agent, private_key=key, render=fake_pdf)
    assert request.status == status
    assert count(db, Certificate) == 0
    assert (count(db, RequestEvent), count(db, OutboxMessage)) == (events, mails)


def test_an_agent_of_another_department_or_the_citizen_cannot_issue(db, ready, key):
    request, _agent = ready
    for user in (make_user(db.session, "agent"), request.citizen):
        with pytest.raises(NotAllowed):
            certificates.issue_certificate(db.session, request, user=user, private_key=key, render=fake_pdf)
    assert request.status == "in_progress"
    assert count(db, Certificate) == 0


def test_a_certificate_is_issued_only_once(db, ready, key):
    issue(db, ready, key)
    with pytest.raises(InvalidTransition):
        issue(db, ready, key)
    assert count(db, Certificate) == 1


def test_the_public_name_is_masked():
    assert certificates.mask_name("Mohamed Benali") == "M***d B***i"
    assert certificates.mask_name("محمد بن علي") == "م***د ب*** ع***ي"
    assert certificates.mask_name("Li") == "L***"


def test_the_standalone_command_says_valid_and_invalid_with_exit_codes(db, ready, key, tmp_path):
    certificate = issue(db, ready, key)
    pem = tmp_path / "key.pem"
    pem.write_bytes(signing.public_pem(key))
    good, bad = tmp_path / "good.pdf", tmp_path / "bad.pdf"
    good.write_bytes(certificate.pdf)
    bad.write_bytes(certificate.pdf.replace(b"certificate", b"Certificate", 1))

    def run(path):
        return subprocess.run(
            [sys.executable, "-m", "services.certificates.verify", str(path), str(pem)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        )

    valid, invalid = run(good), run(bad)
    assert valid.returncode == 0, valid.stderr
    assert valid.stdout.startswith("VALID") and certificate.code in valid.stdout
    assert invalid.returncode == 1
    assert invalid.stdout.strip() == "INVALID: the PDF was changed after it was signed"

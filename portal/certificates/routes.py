"""Anyone checks a certificate by code or by file; the public key is published; holders download theirs."""

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _

from portal.certificates.forms import CodeForm, UploadForm
from portal.certificates.issue import SigningKeyMissing, public_key
from portal.citizen.requests import viewable
from portal.extensions import db, limiter
from services.certificates import service as certificates
from services.certificates import signing
from services.errors import NotFound

bp = Blueprint("certificates", __name__)

KEY_PATH = "/.well-known/berkane-signing-key.pem"
CHECKS_PER_ADDRESS = "30 per minute"


def _page(code_form=None, upload_form=None, result=None, status=200):
    return render_template(
        "certificates/verify.html",
        code_form=code_form or CodeForm(formdata=None),
        upload_form=upload_form or UploadForm(formdata=None),
        result=result,
        mask_name=certificates.mask_name,
    ), status


@bp.route("/verify", methods=["GET", "POST"])
@limiter.limit(CHECKS_PER_ADDRESS, methods=["POST"])
def verify():
    if request.method == "GET":
        if "code" not in request.args:
            return _page()
        code_form = CodeForm(request.args)
        if code_form.validate():
            clean = certificates.normalise_code(code_form.code.data)
            if clean is not None:
                return redirect(url_for(".show", code=clean), 303)
            code_form.code.errors = [_("A verification code has ten letters and digits, for example 7K2QD-M9XWA.")]
        return _page(code_form=code_form, status=400)

    upload_form = UploadForm()
    if not upload_form.validate_on_submit():
        return _page(upload_form=upload_form, status=400)
    data = upload_form.document.data.read()
    if not data[:1024].lstrip().startswith(b"%PDF-"):
        upload_form.document.errors = [_("This file is not a PDF.")]
        return _page(upload_form=upload_form, status=400)
    try:
        key = public_key()
    except SigningKeyMissing:
        abort(404)
    result = certificates.verify_document(db.session, data, key)
    return _page(result=result)


@bp.route("/verify/<code>")
@limiter.limit(CHECKS_PER_ADDRESS)
def show(code: str):
    try:
        certificate = certificates.get_by_code(db.session, code)
    except NotFound:
        return render_template("certificates/unknown.html", code=code), 404
    if certificate.code != code:
        return redirect(url_for(".show", code=certificate.code), 301)
    return render_template("certificates/show.html", certificate=certificate, masked=certificates.mask_name)


@bp.route(KEY_PATH)
def signing_key():
    try:
        key = public_key()
    except SigningKeyMissing:
        abort(404)
    response = current_app.response_class(signing.public_pem(key), mimetype="application/x-pem-file")
    response.headers["X-Key-Id"] = signing.key_id(key)
    response.headers["Cache-Control"] = "public, max-age=3600"
    response.headers["Content-Disposition"] = 'inline; filename="berkane-signing-key.pem"'
    return response


@bp.route("/track/<number>/certificate.pdf")
def download(number: str):
    req, _proven = viewable(number)
    certificate = certificates.get_for_request(db.session, req) if req is not None else None
    if certificate is None:
        abort(404)
    response = current_app.response_class(certificate.pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="certificate-{certificate.code}.pdf"'
    response.headers["Cache-Control"] = "private, no-store"
    return response

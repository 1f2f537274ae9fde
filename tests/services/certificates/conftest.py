"""A certificate request ready for approval, its department's agent, and a signing key."""

import pytest

from services.certificates import signing
from services.workflow import transitions
from services.workflow.transitions import Actor
from tests.factories import make_request, make_service, make_user

RESIDENCE_FIELDS = [
    {"name": "address", "type": "text", "label_ar": "العنوان", "label_fr": "Adresse", "required": True},
    {"name": "since", "type": "text", "label_ar": "منذ", "label_fr": "Depuis", "required": False},
]


def fake_pdf(context) -> bytes:
    """A stand-in for the portal's renderer: enough of a PDF to sign and to check."""
    return f"%PDF-1.7\n% certificate {context.code} for {context.holder_name}\n%%EOF".encode()


@pytest.fixture
def key():
    return signing.generate_key()


def ready_request(session, store, *, kind="certificate", status_steps=("acknowledge", "start"), **overrides):
    """A certificate request filed by a citizen and moved along by an agent of its department."""
    service = make_service(session, kind=kind, fields=RESIDENCE_FIELDS)
    citizen = overrides.pop("citizen", None) or make_user(session, full_name="Mohamed Benali")
    request = make_request(
        session, store, service=service, user=citizen, values={"address": "12 rue Al Massira, Berkane"}
    )
    agent = make_user(session, "agent", department_id=service.department_id)
    for action in status_steps:
        transitions.apply(session, request, action, actor=Actor.AGENT, user=agent, note="A copy of the CNIE")
    session.flush()
    return request, agent


@pytest.fixture
def ready(db, store):
    return ready_request(db.session, store)

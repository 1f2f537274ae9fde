import pytest

from services.errors import Invalid, NotAllowed
from services.requests import privacy
from services.requests.uploads import Upload
from services.workflow import transitions
from services.workflow.transitions import Actor
from tests.factories import PASSWORD, make_request, make_service, make_user
from tests.services.requests.test_uploads import jpeg_with_gps


@pytest.fixture
def filed(db, store):
    citizen = make_user(db.session, full_name="Samira Idrissi", phone="+212612345678", cnie="SJ123456")
    service = make_service(
        db.session,
        fields=[
            {"name": "details", "type": "text", "label_ar": "ع", "label_fr": "Détails", "required": True},
            {"name": "photo", "type": "file", "label_ar": "ص", "label_fr": "Photo"},
        ],
    )
    request = make_request(
        db.session,
        store,
        service=service,
        user=citizen,
        values={"details": "Devant chez Samira, 12 rue Atlas"},
        files={"photo": [Upload("samira.jpg", jpeg_with_gps())]},
    )
    return citizen, request


def test_a_citizen_downloads_everything_held_about_them(db, filed):
    citizen, request = filed
    data = privacy.export_data(db.session, citizen)
    assert data["account"]["cnie"] == "SJ123456" and data["account"]["full_name"] == "Samira Idrissi"
    [exported] = data["requests"]
    assert exported["tracking_number"] == request.tracking_number
    assert exported["answers"] == {"details": "Devant chez Samira, 12 rue Atlas"}
    assert exported["attachments"][0]["name"] == "samira.jpg"
    assert exported["history"][0]["action"] == "filed"


def test_deleting_an_account_erases_the_person_but_keeps_the_request_for_statistics(db, store, filed):
    citizen, request = filed
    agent = make_user(db.session, "agent", department_id=request.department_id)
    transitions.apply(db.session, request, "acknowledge", actor=Actor.AGENT, user=agent)
    key = request.attachments[0].storage_key
    files = privacy.delete_account(db.session, citizen, password=PASSWORD)
    for stored in files:
        store.delete(stored)
    db.session.expire_all()
    assert (citizen.full_name, citizen.phone, citizen.cnie, citizen.is_active) == ("—", None, None, False)
    assert "samira" not in citizen.email.lower()
    assert request.answers == {} and request.attachments == []
    assert not store.exists(key)
    assert (request.service_id, request.status, request.district_id) == (request.service_id, "acknowledged", None)
    assert [e.action for e in request.events] == ["filed", "acknowledge"]  # the administration's record stays


def test_deleting_an_account_needs_the_password(db, filed):
    citizen, request = filed
    with pytest.raises(Invalid):
        privacy.delete_account(db.session, citizen, password="wrong password")
    assert citizen.cnie == "SJ123456" and request.answers


def test_staff_accounts_are_not_deleted_this_way(db):
    with pytest.raises(NotAllowed):
        privacy.delete_account(db.session, make_user(db.session, "agent"), password=PASSWORD)

"""GET /certificates/{id}.pdf: the sign-in cookie, then the learner, their manager and
certificate administrators get the PDF under a readable file name; everyone else a reason."""

from __future__ import annotations

import io

import pypdf
import pytest
from sqlmodel import select

from lms_app import db
from lms_app.models import User
from lms_app.services import certificates, courses
from tests.api.http import refused, signed_in

ADMIN, IRENE, LEO, MAYA, AMARA = "admin@example.com", "irene@example.com", "leo@example.com", "maya@example.com", "amara@example.com"


@pytest.fixture
def certificate(demo, actor_of):
    with db.session_scope() as s:
        course = courses.create_course(s, actor_of(IRENE), "Safe lifting: the basics")
        leo = s.exec(select(User).where(User.email == LEO)).one()
        leo.name = "Léo Learner"
        s.add(leo)
        s.flush()
        found = certificates.issue(s, user_id=leo.id, course_id=course.id, valid_months=12)
        return {"id": found.id, "code": found.code}


def test_anonymous_gets_401(client, certificate):
    refused(client.get(f"/certificates/{certificate['id']}.pdf"), 401, "sign in")


@pytest.mark.parametrize("email", [IRENE, AMARA])
def test_others_get_403_with_the_reason(client, certificate, email):
    signed_in(client, email)
    refused(client.get(f"/certificates/{certificate['id']}.pdf"), 403, "Only the learner, their manager and certificate administrators")


def test_missing_or_malformed_ids_get_404(client, certificate):
    signed_in(client, ADMIN)
    refused(client.get("/certificates/999999.pdf"), 404, "That certificate does not exist.")
    refused(client.get("/certificates/abc.pdf"), 404, "That certificate does not exist.")


@pytest.mark.parametrize("email", [LEO, MAYA, ADMIN])  # the learner, the manager of Sales (his department), an admin
def test_the_learner_their_manager_and_admins_download_it(client, certificate, email):
    signed_in(client, email)
    response = client.get(f"/certificates/{certificate['id']}.pdf")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["cache-control"] == "private, no-cache"
    disposition = response.headers["content-disposition"]
    assert disposition.startswith('attachment; filename="Certificate - Safe lifting the basics - L_o Learner.pdf"')
    assert "filename*=UTF-8''Certificate%20-%20Safe%20lifting%20the%20basics%20-%20L%C3%A9o%20Learner.pdf" in disposition
    text = pypdf.PdfReader(io.BytesIO(response.content)).pages[0].extract_text()
    assert "Léo Learner" in text and certificate["code"] in text

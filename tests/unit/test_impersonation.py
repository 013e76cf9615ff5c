"""Sign in as: who may, as whom, for how long; everything done is recorded under both names;
returning ends only that session; what stays the person's own is refused."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import text
from sqlmodel import Session, func, select

from lms_app.models import AuditEvent, LoginSession, Organization, Permission, Role, User, UserRole, utcnow
from lms_app.services import audit, audit_log, auth, impersonation, privacy, profile, two_factor
from lms_app.services.errors import DomainError, Invalid, NotFound, PermissionDenied
from lms_app.services.seed import DEMO_PASSWORD

ADMIN, LEO, IRENE = "admin@example.com", "leo@example.com", "irene@example.com"


def _login(session: Session, email: str) -> str:
    token = auth.login(session, email, DEMO_PASSWORD, ip="198.51.100.9").token
    session.commit()
    return token


def _uid(session: Session, email: str) -> int:
    return session.exec(select(User.id).where(User.email == email)).one()


def _sign_in_as(session: Session, email: str, admin_token: str) -> str:
    admin = auth.resolve(session, admin_token)
    token = impersonation.start(session, admin, _uid(session, email), admin_token=admin_token, ip="198.51.100.9", user_agent="Firefox")
    session.commit()
    return token


def _row(session: Session, token: str) -> LoginSession:
    return session.exec(select(LoginSession).where(LoginSession.token_hash == auth.token_hash(token))).one()


def _last(session: Session, action: str) -> AuditEvent:
    return session.exec(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.seq.desc())).first()


@pytest.fixture
def admin_token(demo, session):
    return _login(session, ADMIN)


def test_the_admin_acts_as_the_learner_and_the_trail_names_both(admin_token, session):
    token = _sign_in_as(session, LEO, admin_token)
    leo = auth.resolve(session, token)
    assert (leo.email, leo.permissions) == (LEO, frozenset({"learning.view"})), "they see what Leo sees, with Leo's rights only"
    assert leo.impersonator_id == _uid(session, ADMIN)

    started = _last(session, "impersonation.start")
    assert (started.actor_label, started.target_label) == ("Ada Admin <admin@example.com>", LEO)
    assert audit_log.sentence(started) == "Ada Admin signed in as Leo Learner <leo@example.com>"

    profile.update_profile(session, leo, name="Leo Learner", timezone="Pacific/Auckland", locale="en")
    session.commit()
    event = _last(session, "user.updated")
    assert event.actor_id == leo.user_id and event.impersonator_id == _uid(session, ADMIN)
    assert event.actor_label == "Leo Learner <leo@example.com> (impersonated by Ada Admin <admin@example.com>)"

    admin = auth.resolve(session, admin_token)
    row = next(r for r in audit_log.search_events(session, admin, person="Ada").rows if r.action == "user.updated")
    assert (row.who, row.who_email, row.impersonator) == ("Leo Learner", LEO, "Ada Admin <admin@example.com>")
    assert row.sentence.startswith("Leo Learner changed their time zone")
    csv_text = audit_log.export_events(session, admin, category="users")
    assert "Impersonated by" in csv_text.splitlines()[0] and "Ada Admin <admin@example.com>" in csv_text


def test_it_is_not_the_learners_own_sign_in(admin_token, session):
    before = session.get(User, _uid(session, LEO)).last_login_at
    _sign_in_as(session, LEO, admin_token)
    session.expire_all()
    assert session.get(User, _uid(session, LEO)).last_login_at == before


def test_the_chain_verifies_with_and_without_impersonators_and_an_edit_breaks_it(admin_token, session, engine):
    token = _sign_in_as(session, LEO, admin_token)
    profile.update_profile(session, auth.resolve(session, token), name="Leo L.", timezone="UTC", locale="en")
    session.commit()
    _login(session, IRENE)  # an event without one after it
    kinds = {e.impersonator_id is None for e in session.exec(select(AuditEvent)).all()}
    assert kinds == {True, False}
    assert audit.verify(session).ok

    event = _last(session, "user.updated")
    with engine.begin() as conn:
        conn.execute(text("UPDATE auditevent SET impersonator_id = NULL WHERE id = :id"), {"id": event.id})
    result = audit.verify(Session(engine))
    assert not result.ok and result.broken_seq == event.seq, "hiding the admin is detected"

    with engine.begin() as conn:
        conn.execute(text("UPDATE auditevent SET impersonator_id = :admin WHERE id = :id"), {"admin": event.impersonator_id, "id": event.id})
    assert audit.verify(Session(engine)).ok
    plain = _last(session, "login")
    with engine.begin() as conn:
        conn.execute(text("UPDATE auditevent SET impersonator_id = :admin WHERE id = :id"), {"admin": event.impersonator_id, "id": plain.id})
    result = audit.verify(Session(engine))
    assert not result.ok and result.broken_seq == plain.seq, "naming an admin on someone else's event is detected"


def _give_role(session: Session, email: str, role_name: str) -> None:
    role = session.exec(select(Role).where(Role.name == role_name)).one()
    session.add(UserRole(user_id=_uid(session, email), role_id=role.id))
    session.commit()


def _refused(session: Session, actor, user_id: int, admin_token: str, error: type[DomainError], reason: str) -> None:
    sessions = session.exec(select(func.count(LoginSession.id))).one()
    events = session.exec(select(func.count(AuditEvent.id))).one()
    with pytest.raises(error) as exc:
        impersonation.start(session, actor, user_id, admin_token=admin_token)
    session.rollback()
    assert reason in exc.value.message
    assert session.exec(select(func.count(LoginSession.id))).one() == sessions
    assert session.exec(select(func.count(AuditEvent.id))).one() == events


def test_who_may_not_be_signed_in_as(admin_token, session):
    admin = auth.resolve(session, admin_token)
    leo_token = _login(session, LEO)
    _refused(session, auth.resolve(session, leo_token), _uid(session, IRENE), leo_token, PermissionDenied, "You do not have permission")
    _refused(session, admin, admin.user_id, admin_token, Invalid, "yourself")

    _give_role(session, IRENE, "admin")
    _refused(session, admin, _uid(session, IRENE), admin_token, PermissionDenied, "Irene Instructor manages users or roles")
    assert impersonation.refusal(session, admin, _uid(session, IRENE)) == "Irene Instructor manages users or roles: no one may sign in as them."
    assert impersonation.refusal(session, admin, _uid(session, LEO)) == "", "the page offers the button for Leo"
    # Any role that can hand out roles counts, whatever its name.
    keeper = Role(org_id=admin.org_id, name="Role keeper", description="")
    session.add(keeper)
    session.flush()
    session.add(Permission(role_id=keeper.id, name="roles.manage"))
    session.commit()
    _give_role(session, "isaac@example.com", "Role keeper")
    _refused(session, admin, _uid(session, "isaac@example.com"), admin_token, PermissionDenied, "manages users or roles")

    maya = session.get(User, _uid(session, "maya@example.com"))
    maya.is_active = False
    session.commit()
    _refused(session, admin, maya.id, admin_token, Invalid, "deactivated")

    other = Organization(name="Elsewhere")
    session.add(other)
    session.flush()
    stranger = User(org_id=other.id, email="sam@elsewhere.example", name="Sam", password_hash="x")
    session.add(stranger)
    session.commit()
    _refused(session, admin, stranger.id, admin_token, NotFound, "does not exist")
    # The admin's own token must come with it: another's does not do.
    _refused(session, admin, _uid(session, LEO), leo_token, PermissionDenied, "Sign in again")


def test_not_from_inside_another_sign_in_as(admin_token, session):
    token = _sign_in_as(session, LEO, admin_token)
    leo = auth.resolve(session, token)
    with pytest.raises(PermissionDenied, match="signed in as someone else"):
        impersonation.start(session, leo, _uid(session, "amara@example.com"), admin_token=token)


def test_it_is_short_and_never_outlives_the_admins_own_session(admin_token, session):
    token = _sign_in_as(session, LEO, admin_token)
    assert _row(session, token).expires_at <= utcnow() + timedelta(minutes=impersonation.SESSION_MINUTES)

    own = _row(session, admin_token)
    own.expires_at = utcnow() + timedelta(minutes=5)
    session.commit()
    second = _sign_in_as(session, "amara@example.com", admin_token)
    assert _row(session, second).expires_at <= own.expires_at

    row = _row(session, token)
    row.expires_at = utcnow() - timedelta(seconds=1)
    session.commit()
    assert auth.resolve(session, token) is None, "expired: signed out of Leo's account"
    assert auth.resolve(session, admin_token) is not None


def test_it_ends_when_the_admin_may_no_longer_manage_users(admin_token, session):
    token = _sign_in_as(session, LEO, admin_token)
    session.execute(text("DELETE FROM userrole WHERE user_id = :u"), {"u": _uid(session, ADMIN)})
    session.commit()
    assert auth.resolve(session, token) is None


def test_returning_ends_that_session_and_nothing_else(admin_token, session):
    leo_own = _login(session, LEO)
    token = _sign_in_as(session, LEO, admin_token)
    ended = impersonation.stop(session, token, ip="198.51.100.9")
    session.commit()
    assert ended.user_id == _uid(session, LEO) and ended.impersonator_id == _uid(session, ADMIN)
    assert auth.resolve(session, token) is None
    assert auth.resolve(session, admin_token).email == ADMIN
    assert auth.resolve(session, leo_own).email == LEO, "Leo's own sign-in is untouched"

    stopped = _last(session, "impersonation.stop")
    assert (stopped.actor_label, stopped.target_label, stopped.impersonator_id) == ("Ada Admin <admin@example.com>", LEO, None)
    assert audit_log.sentence(stopped) == "Ada Admin stopped being signed in as Leo Learner <leo@example.com>"

    count = session.exec(select(func.count(AuditEvent.id))).one()
    assert impersonation.stop(session, token) is not None, "ending it twice still names the session"
    assert impersonation.stop(session, admin_token) is None, "an ordinary session is not ended here"
    assert impersonation.stop(session, "not-a-token") is None
    session.commit()
    assert session.exec(select(func.count(AuditEvent.id))).one() == count, "recorded once"
    assert auth.resolve(session, admin_token) is not None


def test_what_stays_the_persons_own(admin_token, session):
    token = _sign_in_as(session, LEO, admin_token)
    leo = auth.resolve(session, token)
    password_before = session.get(User, leo.user_id).password_hash
    attempts = [
        lambda: auth.change_password(session, leo, DEMO_PASSWORD, "Otter-lantern-cobble-91"),
        lambda: profile.request_email_change(session, leo, "leo.new@example.com", DEMO_PASSWORD),
        lambda: two_factor.start_enrolment(session, leo),
        lambda: two_factor.confirm_enrolment(session, leo, "123456"),
        lambda: two_factor.disable(session, leo, "123456"),
        lambda: two_factor.regenerate_recovery_codes(session, leo, "123456"),
        lambda: privacy.export_archive(session, leo, leo.user_id),
    ]
    for attempt in attempts:
        with pytest.raises(PermissionDenied, match="return to your own account"):
            attempt()
        session.rollback()
    assert session.get(User, leo.user_id).password_hash == password_before
    assert profile.pending_email_change(session, leo) is None
    assert not two_factor.must_enrol(session, leo), "never sent to enrol someone else's authenticator"

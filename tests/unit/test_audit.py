"""The audit trail: tampering is detected, concurrent appends keep one chain, and the admin's
search, sentences, export and verification behave as an auditor expects."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
import threading
import time
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text, update
from sqlmodel import Session, func, select

from lms_app import db
from lms_app.models import AuditChainHead, AuditEvent
from lms_app.services import audit, audit_log, auth, profile
from lms_app.services.errors import Invalid, PermissionDenied
from lms_app.services.seed import DEMO_PASSWORD

ON_POSTGRES = bool(os.environ.get("LMS_TEST_DATABASE_URL"))


def _append(engine, count: int, prefix: str = "test.event") -> None:
    for i in range(count):
        with Session(engine) as s:
            audit.record(s, None, f"{prefix}{i + 1}", target_label=f"thing {i + 1}", after={"n": i + 1})
            s.commit()


def _id_of(session: Session, seq: int) -> int:
    return session.exec(select(AuditEvent.id).where(AuditEvent.seq == seq)).one()


def _sql(engine, statement: str, **params) -> None:
    with engine.begin() as conn:
        conn.execute(text(statement), params)


@pytest.fixture
def chain(engine):
    """Six events, intact."""
    _append(engine, 6)
    with Session(engine) as s:
        assert audit.verify(s).ok
        return {seq: _id_of(s, seq) for seq in range(1, 7)}


def _verify(engine) -> audit.VerifyResult:
    with Session(engine) as s:
        return audit.verify(s)


# --- tampering -----------------------------------------------------------------------------

def test_intact_chain_reports_the_number_of_events(chain, engine):
    result = _verify(engine)
    assert result.ok and result.checked == 6 and result.broken_seq is None
    assert "6 events" in result.message


def test_editing_the_action_of_a_middle_row_is_detected(chain, engine):
    _sql(engine, "UPDATE auditevent SET action = 'login' WHERE id = :id", id=chain[3])
    result = _verify(engine)
    assert not result.ok and result.broken_seq == 3 and result.checked == 2
    assert "#3" in result.message and "edited" in result.message


def test_editing_the_after_values_of_a_middle_row_is_detected(chain, engine):
    _sql(engine, "UPDATE auditevent SET after = :after WHERE id = :id", after='{"n": 99}', id=chain[4])
    result = _verify(engine)
    assert not result.ok and result.broken_seq == 4 and "edited" in result.message


def test_an_edit_with_a_recomputed_hash_still_breaks_the_next_link(chain, engine):
    with Session(engine) as s:
        event = s.get(AuditEvent, chain[3])
        event.actor_label = "Someone Else <else@example.com>"
        event.hash = audit._event_hash(event)
        s.add(event)
        s.commit()
    result = _verify(engine)
    assert not result.ok and result.broken_seq == 4
    assert "does not follow" in result.message


def test_deleting_a_middle_row_is_detected(chain, engine):
    _sql(engine, "DELETE FROM auditevent WHERE id = :id", id=chain[3])
    result = _verify(engine)
    assert not result.ok and result.broken_seq == 4 and result.checked == 2
    assert "expected event #3, found #4" in result.message


def test_deleting_the_last_row_is_detected(chain, engine):
    _sql(engine, "DELETE FROM auditevent WHERE id = :id", id=chain[6])
    result = _verify(engine)
    assert not result.ok and result.broken_seq == 6 and result.checked == 5
    assert "deleted at the end" in result.message


def test_swapping_the_ids_of_two_rows_is_detected(chain, engine):
    _sql(engine, "UPDATE auditevent SET id = -1 WHERE id = :a", a=chain[3])
    _sql(engine, "UPDATE auditevent SET id = :a WHERE id = :b", a=chain[3], b=chain[4])
    _sql(engine, "UPDATE auditevent SET id = :b WHERE id = -1", b=chain[4])
    result = _verify(engine)
    assert not result.ok and result.broken_seq == 4
    assert "expected event #3, found #4" in result.message


def test_swapping_the_contents_of_two_rows_but_not_their_numbers_is_detected(chain, engine):
    columns = ["at", "actor_label", "action", "target_label", "after", "prev_hash", "hash"]
    with engine.begin() as conn:
        rows = {i: conn.execute(text(f"SELECT {', '.join(columns)} FROM auditevent WHERE id = :id"), {"id": chain[i]}).one() for i in (3, 4)}
        for mine, theirs in ((3, 4), (4, 3)):
            sets = ", ".join(f"{c} = :{c}" for c in columns)
            values = {c: json.dumps(v) if isinstance(v, dict) else v for c, v in zip(columns, rows[theirs])}
            conn.execute(text(f"UPDATE auditevent SET {sets} WHERE id = :id"), {**values, "id": chain[mine]})
    result = _verify(engine)
    assert not result.ok and result.broken_seq == 3
    assert "does not follow" in result.message


# --- appends -------------------------------------------------------------------------------

def test_a_session_that_read_the_chain_before_appends_after_the_newest_event(engine):
    """A long-lived session still holding the chain head from earlier must not reuse it."""
    with Session(engine, expire_on_commit=False) as first, Session(engine, expire_on_commit=False) as second:
        audit.record(first, None, "test.one")
        first.commit()
        held = first.exec(select(AuditChainHead)).one()  # e.g. a page that showed the head
        audit.record(second, None, "test.two")
        second.commit()
        third = audit.record(first, None, "test.three")
        first.commit()
        assert held.last_seq == 3
    assert third.seq == 3
    assert _verify(engine).ok


def test_the_first_two_events_of_an_install_written_at_once_both_land(engine):
    """Two transactions appending to a chain that has no head row yet (a fresh install)."""
    with Session(engine) as s:
        assert s.exec(select(AuditChainHead)).first() is None
    errors: list[BaseException] = []
    first = Session(engine)
    audit.record(first, None, "test.first")  # holds the new head, uncommitted

    def other() -> None:
        try:
            with Session(engine) as s:
                audit.record(s, None, "test.second")
                s.commit()
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    thread = threading.Thread(target=other)
    thread.start()
    time.sleep(0.5)  # the other transaction is now waiting on the chain head
    first.commit()
    first.close()
    thread.join(30)
    assert not errors, errors
    result = _verify(engine)
    assert result.ok and result.checked == 2


def test_appends_from_several_threads_make_one_intact_chain(engine):
    errors: list[BaseException] = []

    def worker(n: int) -> None:
        try:
            _append(engine, 15, prefix=f"test.thread{n}.")
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors, errors
    with Session(engine) as s:
        seqs = s.exec(select(AuditEvent.seq).order_by(AuditEvent.id)).all()
        result = audit.verify(s)
    assert seqs == list(range(1, 61))
    assert result.ok and result.checked == 60


_APPENDER = """
import sys, time
from sqlmodel import Session
from lms_app import db
from lms_app.services import audit
start, name = float(sys.argv[1]), sys.argv[2]
engine = db.get_engine()
while time.time() < start:
    time.sleep(0.01)
for i in range(40):
    with Session(engine) as s:
        audit.record(s, None, f"test.{name}.{i}")
        s.commit()
"""


@pytest.mark.postgres
@pytest.mark.skipif(not ON_POSTGRES, reason="two processes sharing one chain: PostgreSQL only")
def test_appends_from_two_processes_make_one_intact_chain(engine, database_url):
    env = {**os.environ, "LMS_DATABASE_URL": database_url}
    start = time.time() + 3
    procs = [
        subprocess.Popen([sys.executable, "-c", _APPENDER, str(start), name], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for name in ("a", "b")
    ]
    for p in procs:
        _out, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
    with Session(engine) as s:
        seqs = s.exec(select(AuditEvent.seq).order_by(AuditEvent.id)).all()
        result = audit.verify(s)
        actions = s.exec(select(AuditEvent.action)).all()
    assert seqs == list(range(1, 81))
    assert result.ok and result.checked == 80
    assert sum(a.startswith("test.a.") for a in actions) == 40 and sum(a.startswith("test.b.") for a in actions) == 40


# --- the admin's view: search, sentences, export, verification -----------------------------

@pytest.fixture
def trail(demo, engine, actor_of):
    """Sign-ins (one failed), a profile change, an admin's edit of someone else and a role grant."""
    with db.session_scope() as s:
        auth.login(s, "admin@example.com", DEMO_PASSWORD, ip="198.51.100.4")
        auth.login(s, "leo@example.com", DEMO_PASSWORD, ip="198.51.100.5")
    with db.session_scope() as s:
        with pytest.raises(Invalid):
            auth.login(s, "leo@example.com", "not-the-password", ip="203.0.113.9")
    leo = actor_of("leo@example.com")
    admin = actor_of("admin@example.com", ip="198.51.100.4")
    with db.session_scope() as s:
        profile.update_profile(s, leo, name="Leo L. Learner", timezone="America/Chicago", locale="fr")
        audit.record(s, admin, "user.updated", target_type="user", target_id=leo.user_id, target_label="leo@example.com",
                     before={"name": "Leo L. Learner"}, after={"name": "Leo Learner"})
        audit.record(s, admin, "role.granted", target_type="user", target_id=leo.user_id, target_label="leo@example.com",
                     after={"role": "manager", "expires_at": None})
        audit.record(s, admin, "group.created", target_type="group", target_id=1, target_label="Night shift", after={"name": "Night shift"})
    return {"admin": admin, "leo": leo, "maya": actor_of("maya@example.com")}


def _count_events(engine) -> int:
    with Session(engine) as s:
        return s.exec(select(func.count(AuditEvent.id))).one()


def test_events_read_as_sentences_newest_first(trail, session):
    page = audit_log.search_events(session, trail["admin"])
    sentences = [r.sentence for r in page.rows]
    assert page.total == 7 and sentences == [
        "Ada Admin created the group Night shift",
        "Ada Admin gave leo@example.com the role manager",
        "Ada Admin changed the name of leo@example.com from Leo L. Learner to Leo Learner",
        "Leo Learner changed their name, time zone and language",
        "Failed sign-in for leo@example.com (wrong password)",
        "Leo Learner signed in",
        "Ada Admin signed in",
    ]
    failed = page.rows[4]
    assert (failed.who, failed.target, failed.ip, failed.category) == ("—", "leo@example.com", "203.0.113.9", "Sign-in")
    # Shown in the viewer's zone (the admin is in Paris).
    assert page.rows[0].when == page.rows[0].at.astimezone(ZoneInfo("Europe/Paris")).strftime("%-d %b %Y, %H:%M")


def test_a_change_reads_as_a_list_of_fields_not_json(trail, session):
    rows = audit_log.search_events(session, trail["admin"], category="users").rows
    own = next(r for r in rows if r.sentence.startswith("Leo Learner changed their"))
    assert [(c.field, c.before, c.after) for c in own.changes] == [
        ("Name", "Leo Learner", "Leo L. Learner"),
        ("Time zone", "Europe/Paris", "America/Chicago"),
        ("Language", "English", "Français"),
    ]
    detail = audit_log.get_event(session, trail["admin"], own.seq)
    assert detail.sentence == own.sentence and detail.changes == own.changes


def test_categories_keep_to_their_kind_of_event(trail, session):
    admin = trail["admin"]

    def actions(**kw):
        return sorted(r.action for r in audit_log.search_events(session, admin, **kw).rows)

    assert actions(category="signin") == ["login", "login", "login.failed"]
    assert actions(category="users") == ["user.updated", "user.updated"]
    assert actions(category="roles") == ["role.granted"]
    assert actions(category="groups") == ["group.created"]
    assert actions(category="settings") == [] and actions(category="exports") == []
    # An action prefix matches the action and its sub-actions only ("login" is not "logout").
    with db.session_scope() as s:
        auth.logout(s, auth.login(s, "maya@example.com", DEMO_PASSWORD).token)
    assert actions(action_prefix="login") == ["login", "login", "login", "login.failed"]
    with pytest.raises(Invalid):
        audit_log.search_events(session, admin, category="everything")


def test_person_text_matches_who_or_target_whatever_the_case(trail, session):
    admin = trail["admin"]
    hits = audit_log.search_events(session, admin, person="LEO").rows
    assert len(hits) == 5 and all("leo" in (r.who + r.target).lower() for r in hits)
    assert [r.action for r in audit_log.search_events(session, admin, actor_text="leo").rows] == ["user.updated", "login"]
    assert len(audit_log.search_events(session, admin, target_text="Night").rows) == 1
    # LIKE wildcards typed by the viewer are plain characters.
    assert audit_log.search_events(session, admin, person="%").total == 0


def test_dates_are_days_in_the_viewers_time_zone(trail, engine, session):
    # 23:30 UTC on 9 March is already 10 March in Paris.
    with engine.begin() as conn:
        conn.execute(update(AuditEvent).where(AuditEvent.seq == 1).values(at=datetime(2026, 3, 9, 23, 30, tzinfo=timezone.utc)))
    admin = trail["admin"]
    day = audit_log.search_events(session, admin, date_from="2026-03-10", date_to="2026-03-10")
    assert [r.sentence for r in day.rows] == ["Ada Admin signed in"] and day.rows[0].when == "10 Mar 2026, 00:30"
    assert audit_log.search_events(session, admin, date_to="2026-03-09").total == 0
    assert audit_log.search_events(session, admin, date_from="2026-03-11").total == 6
    with pytest.raises(Invalid, match="after the end date"):
        audit_log.search_events(session, admin, date_from="2026-03-11", date_to="2026-03-10")
    with pytest.raises(Invalid):
        audit_log.search_events(session, admin, date_from="10/03/2026")


def test_pages_are_cut_in_the_database(trail, engine, session):
    _append(engine, 23)  # 30 events in all
    admin = trail["admin"]
    first = audit_log.search_events(session, admin, page=1, page_size=10)
    third = audit_log.search_events(session, admin, page=3, page_size=10)
    assert (first.total, first.pages, len(first.rows)) == (30, 3, 10)
    assert [r.seq for r in first.rows] == list(range(30, 20, -1))
    assert [r.seq for r in third.rows] == list(range(10, 0, -1))
    # Past the end: the last page; nonsense sizes are kept in bounds.
    assert audit_log.search_events(session, admin, page=9, page_size=10).page == 3
    assert audit_log.search_events(session, admin, page_size=100000).page_size == audit_log.MAX_PAGE_SIZE


def test_a_learner_cannot_read_export_or_verify_and_nothing_is_written(trail, engine, session):
    leo = trail["leo"]
    before = _count_events(engine)
    for call in (
        lambda: audit_log.search_events(session, leo),
        lambda: audit_log.get_event(session, leo, 1),
        lambda: audit_log.export_events(session, leo),
        lambda: audit_log.verify_chain(session, leo),
    ):
        with pytest.raises(PermissionDenied):
            call()
    session.commit()
    assert _count_events(engine) == before


def test_exporting_needs_both_export_and_audit_rights(trail, engine, session):
    maya = trail["maya"]  # a manager: reports.export, but not audit.view
    assert maya.can("reports.export") and not maya.can("audit.view")
    before = _count_events(engine)
    with pytest.raises(PermissionDenied):
        audit_log.export_events(session, maya)
    session.commit()
    assert _count_events(engine) == before


def test_export_writes_the_filtered_rows_and_records_itself(trail, engine, session):
    admin = trail["admin"]
    data = audit_log.export_events(session, admin, category="signin")
    session.commit()
    rows = list(csv.DictReader(io.StringIO(data)))
    assert [r["What happened"] for r in rows] == ["Failed sign-in for leo@example.com (wrong password)", "Leo Learner signed in", "Ada Admin signed in"]
    assert rows[2]["Who (email)"] == "admin@example.com" and rows[2]["IP address"] == "198.51.100.4"
    newest = audit_log.search_events(session, admin, page_size=1).rows[0]
    assert newest.action == "audit.exported" and newest.sentence == "Ada Admin exported 3 events of the audit trail as CSV"
    assert ("Category", "—", "Sign-in") in [(c.field, c.before, c.after) for c in newest.changes]
    assert audit_log.search_events(session, admin, category="exports").total == 1
    assert audit_log.verify_chain(session, admin).ok


def test_export_defuses_spreadsheet_formulas_in_names(demo, engine, session, actor_of):
    admin = actor_of("admin@example.com")
    with db.session_scope() as s:
        audit.record(s, None, "login.failed", target_type="user", target_label="=HYPERLINK(\"http://x\")", after={"reason": "unknown email"}, org_id=admin.org_id)
    rows = list(csv.DictReader(io.StringIO(audit_log.export_events(session, admin))))
    assert rows[0]["Target"].startswith("'=")


def test_verify_chain_reports_the_first_broken_event(trail, engine, session):
    admin = trail["admin"]
    result = audit_log.verify_chain(session, admin)
    assert result.ok and result.checked == 7
    with engine.begin() as conn:
        conn.execute(text("UPDATE auditevent SET actor_label = 'Nobody' WHERE seq = 2"))
    session.rollback()
    result = audit_log.verify_chain(session, admin)
    assert not result.ok and result.broken_seq == 2


# --- the page's state, as the server runs it for a browser --------------------------------

def _browser(email: str):
    from tests.state.harness import signed_in_browser

    with db.session_scope() as s:
        return signed_in_browser(s, email, DEMO_PASSWORD, "/admin/audit")


def test_page_state_filters_shows_details_verifies_and_exports(trail, engine):
    from lms_app.state.admin_audit import AdminAuditState
    from tests.state.harness import toast_text

    browser = _browser("admin@example.com")
    browser.call(AdminAuditState, "load")
    state = browser.state(AdminAuditState)
    assert state.total == 8 and state.rows[0]["sentence"] == "Ada Admin signed in"  # this sign-in
    browser.call(AdminAuditState, "set_category", "roles")
    assert [r["sentence"] for r in state.rows] == ["Ada Admin gave leo@example.com the role manager"]
    # A date range that cannot be keeps the filters that worked and says why.
    browser.call(AdminAuditState, "clear_filters")
    browser.call(AdminAuditState, "set_date_to", "2000-01-01")
    assert toast_text(browser.call(AdminAuditState, "set_date_from", "2000-01-02")) == "The start date is after the end date."
    assert state.date_from == "" and state.total == 0
    browser.call(AdminAuditState, "clear_filters")
    browser.call(AdminAuditState, "set_person", "leo")
    edit = next(r for r in state.rows if r["sentence"].startswith("Ada Admin changed the name"))
    browser.call(AdminAuditState, "show_event", edit["seq"])
    assert state.details_open and state.detail_changes == [{"field": "Name", "before": "Leo L. Learner", "after": "Leo Learner"}]
    browser.call(AdminAuditState, "verify")
    assert state.verify_status == "ok" and "intact: 8 events" in state.verify_message
    result = browser.call(AdminAuditState, "export")
    assert any("download" in repr(item).lower() for item in result)
    with Session(engine) as s:
        newest = audit_log.search_events(s, trail["admin"], page_size=1).rows[0]
    assert newest.sentence == "Ada Admin exported 5 events of the audit trail as CSV"
    assert ("Person", "—", "leo") in [(c.field, c.before, c.after) for c in newest.changes]
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM auditevent WHERE seq = 4"))
    browser.call(AdminAuditState, "verify")
    assert state.verify_status == "broken" and "expected event #4, found #5" in state.verify_message


def test_page_state_refuses_a_learner_and_shows_nothing(trail, engine):
    from lms_app.state.admin_audit import AdminAuditState
    from tests.state.harness import toast_text

    browser = _browser("leo@example.com")
    before = _count_events(engine)
    for handler, args in (("load", ()), ("set_category", ("signin",)), ("show_event", ("1",)), ("verify", ()), ("export", ())):
        assert toast_text(browser.call(AdminAuditState, handler, *args)) == "You do not have permission to do that.", handler
    state = browser.state(AdminAuditState)
    assert state.rows == [] and state.detail == {} and state.verify_status == ""
    assert _count_events(engine) == before


def test_course_events_read_as_sentences(demo, session, actor_of):
    from lms_app.services import courses, enrollment, progress

    irene, leo, admin = actor_of("irene@example.com"), actor_of("leo@example.com"), actor_of("admin@example.com")
    course = courses.create_course(session, irene, "Fire drill")
    module = courses.add_module(session, irene, course.id, "Basics")
    lesson = courses.add_lesson(session, irene, module.id, "Exits", "text", {"markdown": "Know your exits."})
    courses.update_course(session, irene, course.id, self_enrollment=True)
    courses.set_visibility(session, irene, course.id, "published")
    run = enrollment.self_enroll(session, leo, course.id)
    progress.mark_complete_for(session, irene, run.id, lesson.id, "Did it on the floor")
    session.commit()
    page = audit_log.search_events(session, admin, category="courses")
    assert [r.sentence for r in page.rows] == ["Irene Instructor published the course Fire drill", "Irene Instructor created the course Fire drill"]
    learning = [r.sentence for r in audit_log.search_events(session, admin, category="learning").rows]
    assert learning == [
        "leo@example.com in Fire drill completed the course",
        "Irene Instructor marked Exits done for leo@example.com in Fire drill: Did it on the floor",
        "Leo Learner enrolled in Fire drill",
    ]

"""SCORM lessons end to end in the services: a package uploaded by the course's instructor,
launched by an enrolled learner, committed, resumed, finished; the lesson completed and the
score in the gradebook; versions, attempts, who may read the files, the staff's view and export."""

from __future__ import annotations

import csv
import io
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlmodel import Session, select

from lms_app import db, settings
from lms_app.models import AuditEvent, GradeEntry, GradeItem, Lesson, LessonProgress
from lms_app.models.scorm import ScormAttempt, ScormItemState, ScormPackage
from lms_app.services import courses, enrollment, scorm, scorm_datamodel
from lms_app.services.errors import Conflict, Invalid, NotFound, PermissionDenied
from tests import scorm_packages as packages

IRENE, LEO, AMARA, MAYA = "irene@example.com", "leo@example.com", "amara@example.com", "maya@example.com"


@pytest.fixture
def world(demo, session, actor_of, tmp_path):
    """A published course with a SCORM lesson holding a 1.2 package (mastery 80); Leo and Amara
    are enrolled, Maya is not."""
    irene = actor_of(IRENE)
    course = courses.create_course(session, irene, "Forklift basics")
    module = courses.add_module(session, irene, course.id, "Driving")
    lesson = courses.add_lesson(session, irene, module.id, "Timed exam", "scorm")
    package = scorm.import_package(session, irene, lesson.id, packages.save(packages.scorm12_with_limits(), tmp_path), "exam.zip")
    courses.update_course(session, irene, course.id, self_enrollment=True)
    courses.set_visibility(session, irene, course.id, "published")
    runs = {email: enrollment.self_enroll(session, actor_of(email), course.id).id for email in (LEO, AMARA)}
    session.commit()
    return {"course": course.id, "lesson": lesson.id, "package": package.id, "runs": runs, "tmp": tmp_path}


def commit(session, actor, launched, seq, values, *, finished=False):
    attempt_id = launched["attempt"]["id"]
    launch_session = launched["commit_url"].rsplit("session=", 1)[1]
    return scorm.commit(session, actor, attempt_id, launched["item"], launch_session, {"values": values, "seq": seq, "finished": finished})


def test_upload_unpacks_into_private_storage_and_the_lesson_points_to_it(world, session):
    package = session.get(ScormPackage, world["package"])
    assert (package.scorm_version, package.version, package.file_name) == ("1.2", 1, "exam.zip")
    folder = settings.PRIVATE_DIR / package.storage_dir
    assert (folder / "imsmanifest.xml").is_file() and (folder / "sco" / "index.html").is_file()
    assert session.get(Lesson, world["lesson"]).content["package_id"] == package.id
    audit = session.exec(select(AuditEvent).where(AuditEvent.action == "scorm.package_uploaded")).one()
    assert audit.after["version"] == 1


def test_only_the_course_instructors_upload(world, session, actor_of):
    with pytest.raises(PermissionDenied):
        scorm.import_package(session, actor_of(LEO), world["lesson"], packages.save(packages.scorm12_single_sco(), world["tmp"]), "x.zip")


def test_a_refused_package_leaves_nothing_behind(world, session, actor_of):
    before = sorted(p for p in (settings.PRIVATE_DIR / "scorm").rglob("*") if p.is_file())
    with pytest.raises(Invalid, match="evil|outside"):
        scorm.import_upload(session, actor_of(IRENE), world["lesson"], io.BytesIO(packages.zip_slip()), "evil.zip")
    with pytest.raises(Invalid, match="zip"):
        scorm.import_upload(session, actor_of(IRENE), world["lesson"], io.BytesIO(b"not a zip at all"), "notes.txt")
    assert sorted(p for p in (settings.PRIVATE_DIR / "scorm").rglob("*") if p.is_file()) == before
    assert len(session.exec(select(ScormPackage)).all()) == 1


def test_launch_gives_the_data_model_the_lms_sets(world, session, actor_of):
    launched = scorm.launch(session, actor_of(LEO), world["lesson"])
    values = launched["values"]
    assert launched["version"] == "1.2" and launched["launch_url"].endswith("/sco/index.html")
    assert values["cmi.core.entry"] == "ab-initio" and values["cmi.core.credit"] == "credit"
    assert values["cmi.core.lesson_status"] == "not attempted"
    assert values["cmi.student_data.mastery_score"] == "80"
    assert values["cmi.launch_data"] == "level=2;mode=exam"
    assert values["cmi.student_data.max_time_allowed"] == "0000:30:00"
    assert values["cmi.core.total_time"] == "0000:00:00.00"
    assert values["cmi.core.student_id"] == str(actor_of(LEO).user_id)


def test_suspend_and_resume_at_the_bookmark_then_finish_completes_the_lesson_and_grades_it(world, session, actor_of):
    leo = actor_of(LEO)
    first = scorm.launch(session, leo, world["lesson"])
    result = commit(session, leo, first, 1, {"cmi.core.lesson_location": "page-2", "cmi.suspend_data": "seen=1,2",
                                             "cmi.core.lesson_status": "incomplete", "cmi.core.exit": "suspend",
                                             "cmi.core.session_time": "0000:03:30.00"}, finished=True)
    assert result.accepted and not result.attempt_completed and not result.lesson_done

    again = scorm.launch(session, leo, world["lesson"])
    assert again["attempt"]["id"] == first["attempt"]["id"]
    assert again["values"]["cmi.core.entry"] == "resume"
    assert again["values"]["cmi.core.lesson_location"] == "page-2"
    assert again["values"]["cmi.suspend_data"] == "seen=1,2"
    assert again["values"]["cmi.core.total_time"] == "0000:03:30.00"

    done = commit(session, leo, again, 1, {**{k: again["values"][k] for k in ("cmi.core.lesson_location", "cmi.suspend_data")},
                                           "cmi.core.lesson_status": "completed", "cmi.core.score.raw": "85", "cmi.core.score.max": "100",
                                           "cmi.core.exit": "", "cmi.core.session_time": "0000:01:00.00"}, finished=True)
    assert done.attempt_completed and done.lesson_done
    attempt = session.get(ScormAttempt, first["attempt"]["id"])
    assert (attempt.status, attempt.passed, attempt.score_scaled, attempt.total_seconds) == ("completed", True, 0.85, 270.0)
    row = session.exec(select(LessonProgress).where(LessonProgress.lesson_id == world["lesson"], LessonProgress.enrollment_id == world["runs"][LEO])).one()
    assert row.status == "done"
    entry = session.exec(select(GradeEntry).where(GradeEntry.enrollment_id == world["runs"][LEO])).one()
    assert entry.points == 85.0


def test_below_the_mastery_score_fails_and_does_not_complete_the_lesson(world, session, actor_of):
    leo = actor_of(LEO)
    launched = scorm.launch(session, leo, world["lesson"])
    result = commit(session, leo, launched, 1, {"cmi.core.lesson_status": "completed", "cmi.core.score.raw": "60"}, finished=True)
    assert result.attempt_completed and not result.lesson_done
    attempt = session.get(ScormAttempt, launched["attempt"]["id"])
    assert attempt.passed is False
    entry = session.exec(select(GradeEntry).where(GradeEntry.enrollment_id == world["runs"][LEO])).one()
    assert entry.points == 60.0


def test_a_late_or_stale_commit_changes_nothing(world, session, actor_of):
    leo = actor_of(LEO)
    launched = scorm.launch(session, leo, world["lesson"])
    assert commit(session, leo, launched, 2, {"cmi.core.lesson_location": "p3"}).accepted
    assert not commit(session, leo, launched, 1, {"cmi.core.lesson_location": "p1"}).accepted
    newer = scorm.launch(session, leo, world["lesson"])
    # A beacon of the earlier launch arriving after the SCO was launched again is ignored.
    assert not commit(session, leo, launched, 9, {"cmi.core.lesson_location": "p0"}).accepted
    state = session.exec(select(ScormItemState)).one()
    assert state.values["cmi.core.lesson_location"] == "p3"
    assert commit(session, leo, newer, 1, {"cmi.core.lesson_location": "p4"}).accepted


def test_commits_are_validated_against_the_spec(world, session, actor_of):
    leo = actor_of(LEO)
    launched = scorm.launch(session, leo, world["lesson"])
    commit(session, leo, launched, 1, {"cmi.core.lesson_location": "p2"})
    for bad in ({"cmi.core.score.raw": "120"}, {"cmi.core.lesson_status": "done"}, {"cmi.core.student_id": "7"},
                {"cmi.suspend_data": "x" * 4097}, {"cmi.nonsense": "1"}):
        with pytest.raises(Invalid):
            commit(session, leo, launched, 2, bad)
    assert session.exec(select(ScormItemState)).one().values["cmi.core.lesson_location"] == "p2"


def test_nobody_commits_into_someone_elses_attempt(world, session, actor_of):
    launched = scorm.launch(session, actor_of(LEO), world["lesson"])
    with pytest.raises(PermissionDenied):
        commit(session, actor_of(AMARA), launched, 1, {"cmi.core.lesson_location": "p2"})
    for malformed in (None, [], {"values": {}}, {"values": "x", "seq": 1}, {"values": {"cmi.core.exit": {"a": 1}}, "seq": 1}):
        with pytest.raises(Invalid):
            scorm.commit(session, actor_of(LEO), launched["attempt"]["id"], launched["item"], "1", malformed)


def test_files_are_read_by_enrolled_learners_and_staff_only(world, session, actor_of):
    path, media_type = scorm.content_file(session, actor_of(LEO), world["package"], "sco/index.html")
    assert path.read_text().startswith("<!doctype html>") and media_type.startswith("text/html")
    assert scorm.content_file(session, actor_of(IRENE), world["package"], "sco/index.html")[0] == path
    with pytest.raises(PermissionDenied):
        scorm.content_file(session, actor_of(MAYA), world["package"], "sco/index.html")
    with pytest.raises(NotFound):
        scorm.content_file(session, actor_of(LEO), world["package"], "../../../etc/passwd")
    with pytest.raises(PermissionDenied):
        scorm.launch(session, actor_of(MAYA), world["lesson"])


def test_a_new_version_keeps_finished_results_and_open_attempts_stay_on_theirs(world, session, actor_of):
    leo, amara, irene = actor_of(LEO), actor_of(AMARA), actor_of(IRENE)
    leo_launch = scorm.launch(session, leo, world["lesson"])
    commit(session, leo, leo_launch, 1, {"cmi.core.lesson_status": "passed", "cmi.core.score.raw": "90"}, finished=True)
    amara_launch = scorm.launch(session, amara, world["lesson"])
    commit(session, amara, amara_launch, 1, {"cmi.core.lesson_location": "p2", "cmi.core.exit": "suspend"}, finished=True)

    v2 = scorm.import_package(session, irene, world["lesson"], packages.save(packages.scorm12_single_sco(), world["tmp"], "v2.zip"), "v2.zip")
    assert v2.version == 2
    resumed = scorm.launch(session, amara, world["lesson"])
    assert resumed["attempt"]["id"] == amara_launch["attempt"]["id"] and f"/scorm/content/{world['package']}/" in resumed["launch_url"]
    assert session.get(ScormAttempt, leo_launch["attempt"]["id"]).status == "completed"

    v3 = scorm.import_package(session, irene, world["lesson"], packages.save(packages.scorm12_single_sco(), world["tmp"], "v3.zip"), "v3.zip",
                              move_open_attempts=True)
    assert session.get(ScormAttempt, amara_launch["attempt"]["id"]).status == "superseded"
    fresh = scorm.launch(session, amara, world["lesson"])
    assert fresh["attempt"]["number"] == 2 and f"/scorm/content/{v3.id}/" in fresh["launch_url"]
    assert fresh["values"]["cmi.core.entry"] == "ab-initio"
    with pytest.raises(Conflict):
        commit(session, amara, resumed, 5, {"cmi.core.lesson_location": "p9"})
    assert session.get(ScormAttempt, leo_launch["attempt"]["id"]).passed is True


def test_new_attempts_follow_the_lessons_limit_and_the_grade_keeps_the_best(world, session, actor_of):
    leo, irene = actor_of(LEO), actor_of(IRENE)
    scorm.save_settings(session, irene, world["lesson"], max_attempts="2")
    first = scorm.launch(session, leo, world["lesson"])
    with pytest.raises(Conflict):
        scorm.launch(session, leo, world["lesson"], new_attempt=True)  # the first is still open
    commit(session, leo, first, 1, {"cmi.core.lesson_status": "completed", "cmi.core.score.raw": "90"}, finished=True)
    second = scorm.launch(session, leo, world["lesson"], new_attempt=True)
    assert second["attempt"]["number"] == 2 and second["values"]["cmi.core.entry"] == "ab-initio"
    commit(session, leo, second, 1, {"cmi.core.lesson_status": "completed", "cmi.core.score.raw": "70"}, finished=True)
    with pytest.raises(Conflict, match="all 2 attempts"):
        scorm.launch(session, leo, world["lesson"], new_attempt=True)
    entry = session.exec(select(GradeEntry).where(GradeEntry.enrollment_id == world["runs"][LEO])).one()
    assert entry.points == 90.0


def test_staff_see_attempts_interactions_and_export_them(world, session, actor_of):
    leo = actor_of(LEO)
    launched = scorm.launch(session, leo, world["lesson"])
    commit(session, leo, launched, 1, {
        "cmi.core.lesson_status": "passed", "cmi.core.score.raw": "85",
        "cmi.interactions.0.id": "q1", "cmi.interactions.0.type": "choice", "cmi.interactions.0.student_response": "b",
        "cmi.interactions.0.correct_responses.0.pattern": "b", "cmi.interactions.0.result": "correct",
    }, finished=True)
    view = scorm.attempt_rows(session, actor_of(IRENE), world["lesson"])
    assert [(r.email, r.result, r.score) for r in view.rows] == [(LEO, "Passed", "85%")]
    _, items = scorm.attempt_detail(session, actor_of(IRENE), view.rows[0].id)
    assert items[0].interactions[0]["id"] == "q1" and items[0].interactions[0]["result"] == "correct"
    name, text = scorm.export_attempts_csv(session, actor_of(IRENE), world["lesson"])
    rows = list(csv.DictReader(io.StringIO(text)))
    assert name.endswith(".csv") and rows[0]["Email"] == LEO and rows[0]["Interaction"] == "q1" and rows[0]["Response"] == "b"
    with pytest.raises(PermissionDenied):
        scorm.attempt_rows(session, leo, world["lesson"])
    assert session.exec(select(AuditEvent).where(AuditEvent.action == "export.scorm_attempts")).one()


def test_2004_navigation_follows_the_packages_control_modes(world, session, actor_of, tmp_path):
    irene, leo = actor_of(IRENE), actor_of(LEO)
    scorm.import_package(session, irene, world["lesson"], packages.save(packages.scorm2004_sequenced(), tmp_path, "seq.zip"), "seq.zip")
    first = scorm.launch(session, leo, world["lesson"])
    assert first["version"] == "2004" and first["item"] == "item_1"
    # Flow and choice, forward only: on to part 2, never back.
    assert first["nav"] == {"continue": True, "previous": False, "choice": ["item_1", "item_2"]}
    assert first["values"]["cmi.completion_threshold"] == "0.75" and first["values"]["cmi.entry"] == "ab-initio"
    second = scorm.launch(session, leo, world["lesson"], item="item_2")
    # Part 2 cannot be left by choosing another part (choiceExit off).
    assert second["nav"] == {"continue": False, "previous": False, "choice": []}
    assert second["values"]["cmi.launch_data"] == "part=2" and second["values"]["cmi.scaled_passing_score"] == "0.6"
    with pytest.raises(NotFound):
        scorm.launch(session, leo, world["lesson"], item="item_9")


def test_a_copied_course_plays_its_own_package_and_deleting_keeps_what_a_copy_uses(world, session, actor_of):
    irene = actor_of(IRENE)
    scorm.launch(session, actor_of(AMARA), world["lesson"])
    copy = courses.copy_course(session, irene, world["course"], "Forklift basics (copy)")
    copied = session.exec(select(Lesson).where(Lesson.course_id == copy.id, Lesson.kind == "scorm")).one()
    package = session.get(ScormPackage, copied.content["package_id"])
    original = session.get(ScormPackage, world["package"])
    assert package.id != original.id and package.lesson_id == copied.id and package.storage_dir == original.storage_dir
    folder = settings.PRIVATE_DIR / original.storage_dir

    courses.delete_lesson(session, irene, world["lesson"])
    session.commit()
    assert folder.is_dir()  # the copy still plays these files
    courses.delete_lesson(session, irene, copied.id)
    session.commit()
    assert not folder.exists()
    assert session.exec(select(ScormAttempt)).all() == []  # the attempts went with the lesson


def test_first_scores_arriving_together_share_one_grade_item(world, session, actor_of, engine):
    """Two learners' first scored commits at once (PostgreSQL: both find no grade item; one
    insert wins and the other learner's commit must not fail)."""
    if not db.is_postgres(engine):
        pytest.skip("concurrent writers: PostgreSQL only (SQLite has one writer at a time)")
    launches = {email: scorm.launch(session, actor_of(email), world["lesson"]) for email in (LEO, AMARA)}
    session.commit()
    finished = {"cmi.core.lesson_status": "completed", "cmi.core.score.raw": "90"}
    with Session(engine) as first, Session(engine) as second:
        commit(first, actor_of(LEO), launches[LEO], 1, finished, finished=True)  # holds its new grade item until it commits
        with ThreadPoolExecutor(1) as pool:
            waiting = pool.submit(commit, second, actor_of(AMARA), launches[AMARA], 1, finished, finished=True)
            time.sleep(0.5)  # the second insert now waits on the first one's unique key
            first.commit()
            assert waiting.result(timeout=30).lesson_done
        second.commit()
    session.rollback()
    assert len(session.exec(select(GradeItem)).all()) == 1
    assert sorted(e.points for e in session.exec(select(GradeEntry)).all()) == [90.0, 90.0]


def test_a_finished_attempt_opens_in_review_and_changes_nothing(world, session, actor_of):
    leo = actor_of(LEO)
    first = scorm.launch(session, leo, world["lesson"])
    commit(session, leo, first, 1, {"cmi.core.lesson_status": "completed", "cmi.core.score.raw": "90"}, finished=True)
    review = scorm.launch(session, leo, world["lesson"])
    assert review["attempt"]["id"] == first["attempt"]["id"]
    assert (review["values"]["cmi.core.lesson_mode"], review["values"]["cmi.core.credit"]) == ("review", "no-credit")
    assert not commit(session, leo, review, 1, {"cmi.core.lesson_status": "failed", "cmi.core.score.raw": "10"}, finished=True).accepted
    attempt = session.get(ScormAttempt, first["attempt"]["id"])
    assert (attempt.passed, attempt.score_scaled) == (True, 0.9)


def test_a_one_sco_package_limits_its_own_attempts_when_the_lesson_does_not(world, session, actor_of, tmp_path):
    leo = actor_of(LEO)
    limited = packages.scorm2004_single_sco(item_sequencing='<imsss:sequencing><imsss:limitConditions attemptLimit="1"/></imsss:sequencing>')
    scorm.import_package(session, actor_of(IRENE), world["lesson"], packages.save(limited, tmp_path, "limited.zip"), "limited.zip")
    first = scorm.launch(session, leo, world["lesson"])
    commit(session, leo, first, 1, {"cmi.completion_status": "completed"}, finished=True)
    with pytest.raises(Conflict, match="all 1 attempts"):
        scorm.launch(session, leo, world["lesson"], new_attempt=True)


def test_suspend_all_resumes_and_a_navigation_request_is_not_replayed(world, session, actor_of, tmp_path):
    leo = actor_of(LEO)
    scorm.import_package(session, actor_of(IRENE), world["lesson"], packages.save(packages.scorm2004_single_sco(), tmp_path, "s.zip"), "s.zip")
    first = scorm.launch(session, leo, world["lesson"])
    commit(session, leo, first, 1, {"cmi.location": "p2", "adl.nav.request": "suspendAll", "cmi.session_time": "PT2M"}, finished=True)
    again = scorm.launch(session, leo, world["lesson"])
    assert again["values"]["cmi.entry"] == "resume" and again["values"]["cmi.location"] == "p2"
    assert scorm_datamodel.timespan_seconds("2004", again["values"]["cmi.total_time"]) == 120
    assert "adl.nav.request" not in again["values"]
    # Left without suspending, a 2004 SCO's next launch is a new attempt of it.
    commit(session, leo, again, 1, {"cmi.location": "p3", "cmi.exit": "normal"}, finished=True)
    fresh = scorm.launch(session, leo, world["lesson"])
    assert fresh["values"]["cmi.entry"] == "ab-initio" and "cmi.location" not in fresh["values"]

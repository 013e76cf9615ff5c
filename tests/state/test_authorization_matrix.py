"""The authorization matrix: every page route, every public state event handler and every API
route has a row saying who may use it; each is called as each role (and as an anonymous
visitor) on the demo data, and a denied call must change nothing in the database.

A new page, handler or route without a row here fails `test_every_entry_point_has_a_row`.
"""

from __future__ import annotations

import asyncio
import copy
import inspect
import io
import re
import shutil
import tempfile
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
import reflex as rx
from fastapi.testclient import TestClient
from sqlalchemy import event, text
from sqlmodel import Session, SQLModel, select

from lms_app import db, settings
from lms_app.api.app import build_api
from lms_app.assessments.questions import Choice, Question
from lms_app.models import Department, Group, GroupMember, LoginSession, Role, User
from lms_app.page_registry import PAGES
from lms_app.services import auth, courses, files, groups, question_bank, roles, users
from lms_app.services.seed import DEMO_PASSWORD
from lms_app.state.auth import AuthState
from tests.conftest import _restore_rows
from tests.state.course_archives import small_course_archive
from tests.state.course_world import build_course
from tests.scorm_packages import scorm12_single_sco
from tests.state.harness import Browser, redirect_target, toast_text

ANON, LEARNER, INSTRUCTOR, MANAGER, ADMIN = "anonymous", "learner", "instructor", "manager", "admin"
ROLES = [ANON, LEARNER, INSTRUCTOR, MANAGER, ADMIN]
SIGNED_IN = {LEARNER, INSTRUCTOR, MANAGER, ADMIN}
EVERYONE = set(ROLES)
LOGINS = {LEARNER: "leo@example.com", INSTRUCTOR: "irene@example.com", MANAGER: "maya@example.com", ADMIN: "admin@example.com"}
# Refusals: the permission check's, and the course-level checks' (enrollment, course role).
DENIED_MESSAGES = ("You do not have permission to do that.", "You are not enrolled in this course.")

# --- pages: route -> who may open it ---------------------------------------------------------
PAGE_ROWS: dict[str, set[str]] = {
    "/": SIGNED_IN,
    "/login": EVERYONE,
    "/register": EVERYONE,
    "/forgot": EVERYONE,
    "/reset/[token]": EVERYONE,
    "/invite/[token]": EVERYONE,
    "/learn": SIGNED_IN,
    "/teach": {INSTRUCTOR, ADMIN},
    "/teams": {MANAGER, ADMIN},
    # --- dashboards: my teams (rows below) ---
    "/teams/people/[user_id]": {MANAGER, ADMIN},
    # --- dashboards: course analytics (rows below) ---
    "/teach/courses/[course_id]/analytics": {INSTRUCTOR, ADMIN},
    # --- compliance: report (rows below) ---
    "/admin/compliance": {ADMIN},
    "/admin": {ADMIN},
    "/profile": SIGNED_IN,
    "/profile/two-factor": SIGNED_IN,
    "/confirm-email/[token]": EVERYONE,
    "/admin/audit": {ADMIN},
    "/admin/users": {ADMIN},
    "/admin/users/[user_id]": {ADMIN},
    "/admin/users/import": {ADMIN},
    "/admin/roles": {ADMIN},
    "/admin/groups": {ADMIN},
    # --- courses: authoring (rows below) ---
    "/teach/courses/[course_id]": {INSTRUCTOR, ADMIN},
    "/teach/courses/[course_id]/learners": {INSTRUCTOR, ADMIN},
    # --- assessments: question bank (rows below) ---
    "/teach/courses/[course_id]/questions": {INSTRUCTOR, ADMIN},
    # --- assessments: gradebook (rows below) ---
    "/teach/courses/[course_id]/gradebook": {INSTRUCTOR, ADMIN},
    # Like the player: anyone signed in may open it; someone not enrolled reads why.
    "/learn/courses/[course_id]/grades": SIGNED_IN,
    # --- assessments: grading (rows below) ---
    "/teach/grading": {INSTRUCTOR, ADMIN},
    "/teach/grading/[kind]/[item_id]": {INSTRUCTOR, ADMIN},
    "/teach/courses/[course_id]/rubrics": {INSTRUCTOR, ADMIN},
    # --- courses: catalog and my learning (rows below) ---
    "/catalog": SIGNED_IN,
    "/catalog/[course_id]": SIGNED_IN,
    # --- courses: player (rows below) ---
    # Anyone who takes courses may open the player; someone not enrolled reads why and where to enroll.
    "/learn/courses/[course_id]": SIGNED_IN,
    "/learn/courses/[course_id]/[lesson_id]": SIGNED_IN,
    # --- courses: announcements (rows below) ---
    "/teach/courses/[course_id]/announcements": {INSTRUCTOR, ADMIN},
    # Like the player: someone not enrolled reads why and where to enroll.
    "/learn/courses/[course_id]/announcements": SIGNED_IN,
    # --- courses: live sessions (rows below) ---
    "/teach/courses/[course_id]/sessions/[lesson_id]": {INSTRUCTOR, ADMIN},
    # --- assessments: quiz authoring (rows below) ---
    "/teach/courses/[course_id]/quizzes/[lesson_id]": {INSTRUCTOR, ADMIN},
    "/teach/courses/[course_id]/scorm/[lesson_id]": {INSTRUCTOR, ADMIN},
    # --- learning paths and training elsewhere (rows below) ---
    "/teach/paths": {INSTRUCTOR, ADMIN},
    "/teach/paths/[path_id]": {INSTRUCTOR, ADMIN},
    "/learn/paths": SIGNED_IN,
    "/learn/external": SIGNED_IN,
    "/teams/external-training": {MANAGER, ADMIN},
    # --- certificates (rows below) ---
    "/learn/certificates": SIGNED_IN,
    "/admin/certificates": {ADMIN},
    "/admin/lrs": {ADMIN},
    "/admin/settings": {ADMIN},
    # Anyone holding a code may check it, signed in or not.
    "/verify/[code]": EVERYONE,
    # --- required training (rows below) ---
    "/admin/requirements": {ADMIN},
    "/admin/requirements/[requirement_id]": {ADMIN},
    "/teams/requirements": {MANAGER, ADMIN},
    "/teams/requirements/[requirement_id]": {MANAGER, ADMIN},
    # --- reminders and notifications (rows below) ---
    "/notifications": SIGNED_IN,
}


# --- state handlers: "State.handler" -> who may call it, and how to call it ----------------------
@dataclass
class HandlerRow:
    allowed: set[str]
    path: str = "/"
    args: Callable[[dict], tuple] = lambda ids: ()
    # State fields a page would have set before this call (the group open in a dialog, ...).
    given: Callable[[dict], dict] = lambda ids: {}
    # UI-only handlers change nothing but the caller's own view: no data, no check needed.
    ui_only: bool = False


IMPORT_CSV = "email,name,roles\nnew.person@example.com,New Person,learner\n"
ENROLL_CSV = "email\nsven@example.com\n"
GRADES_CSV = "email,Participation\nleo@example.com,6\n"  # assessments: gradebook
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 40


def _risk_row(user_id: int):  # dashboards: course analytics
    from lms_app.state.course_analytics import RiskView

    return RiskView(str(user_id), "Leo", "leo@example.com", "2 days ago", ["No activity in the course for 14 days"])


def _settings_role(name: str):  # settings: the roles offered for course creation
    from lms_app.state.admin_settings import RoleChoice

    return RoleChoice(name, name.capitalize(), name in ("admin", "instructor"), False)


def in_group(ids: dict) -> dict:
    return {"group_id": str(ids["group"])}


def in_department(ids: dict) -> dict:
    return {"dept_id": str(ids["department"])}


def in_question_category(ids: dict) -> dict:
    return {"category": str(ids["question_category"])}


# --- assessments: quiz player ---
def in_quiz_attempt(ids: dict) -> dict:
    """The player on Leo's open attempt at the world's quiz, its first answer changed on screen
    and not yet saved (as a change leaves it)."""
    from lms_app.assessments.shown import ShownAnswer, ShownQuestion
    from lms_app.state.quiz_player import QuizQuestion

    return {"view": "attempt", "_attempt_id": ids["player_attempt"], "questions": [QuizQuestion(1, 1, ShownQuestion("single"))],
            "answers": [ShownAnswer(choice="0")], "answered": [True], "_dirty": [1]}


def in_quiz_file_question(ids: dict) -> dict:
    """The player on Leo's open attempt, a file being chosen for its file-upload question."""
    from lms_app.assessments.shown import ShownAnswer, ShownQuestion
    from lms_app.state.quiz_player import QuizQuestion

    return {"view": "attempt", "_attempt_id": ids["player_attempt"], "questions": [QuizQuestion(3, 3, ShownQuestion("file_upload"))],
            "answers": [ShownAnswer()], "answered": [True], "file_links": [""], "upload_target": 3}


# --- learning paths and training elsewhere ---
EXTERNAL_DRAFT = {"title": "First aid at work", "provider": "Red Cross", "completed_on": "2026-01-15", "hours": "7"}


# --- assessments: assignments ---
ASSIGNMENT_FORM = {"instructions": "Report one hazard.", "submission_type": "both", "max_files": "2", "max_file_mb": "5", "accepted_types": "",
                   "max_points": "10", "due_at": "2031-01-05T12:00", "cut_off_at": "", "late_penalty_percent": "", "late_penalty_max_percent": "",
                   "passing_percent": ""}


def in_assignment_editor(ids: dict) -> dict:
    """The editor open on the world's assignment, as `load` leaves it."""
    return {"lesson_ref": str(ids["assignment"]), "tz": "UTC", "loaded": True}


def in_question_editor(ids: dict) -> dict:
    """The editor open on the world's question, as `open_edit` leaves it."""
    from lms_app.state.question_editor import _draft_of

    question = Question("single", "Capital of France", "Which city?", choices=[Choice("Paris", 1.0), Choice("Lyon", 0.0)])
    return {"_draft": _draft_of(question), "category": str(ids["question_category"]), "question_id": str(ids["question"])}


HANDLER_ROWS: dict[str, HandlerRow] = {
    # What enter_page allows depends on the page: test_pages covers each route.
    "AuthState.enter_page": HandlerRow(EVERYONE, "/login"),
    "AuthState.leave_if_signed_in": HandlerRow(EVERYONE, "/login"),
    "SignInPagesState.load_login": HandlerRow(EVERYONE, "/login"),
    "SignInPagesState.load_register": HandlerRow(EVERYONE, "/register"),
    "SignInPagesState.load_invitation": HandlerRow(EVERYONE, "/invite/not-a-token"),
    "SignInPagesState.load_email_change": HandlerRow(EVERYONE, "/confirm-email/not-a-token"),
    "SignInPagesState.confirm_email_change": HandlerRow(EVERYONE, "/confirm-email/not-a-token"),
    "TeamsState.load": HandlerRow({MANAGER, ADMIN}, "/teams"),
    # --- dashboards: my teams (rows below) ---
    "TeamsState.set_search": HandlerRow({MANAGER, ADMIN}, "/teams", lambda ids: ("leo",)),
    "TeamsState.go_to_people_page": HandlerRow({MANAGER, ADMIN}, "/teams", lambda ids: (2,)),
    "TeamsState.sort_people": HandlerRow({MANAGER, ADMIN}, "/teams", lambda ids: ("completion",)),
    "TeamsState.set_unit": HandlerRow({MANAGER, ADMIN}, "/teams", lambda ids: ("all",)),
    "TeamsState.set_course": HandlerRow({MANAGER, ADMIN}, "/teams", lambda ids: (str(ids["course"]),)),
    "TeamsState.set_period": HandlerRow({MANAGER, ADMIN}, "/teams", lambda ids: ("custom",)),
    "TeamsState.set_dates": HandlerRow({MANAGER, ADMIN}, "/teams", lambda ids: ({"start": "2026-01-01", "end": "2026-03-31"},)),
    "TeamsState.export": HandlerRow({MANAGER, ADMIN}, "/teams", lambda ids: ("courses", "csv")),
    # Someone outside the manager's team reads "not in your team" (the admin manages no team).
    "TeamPersonState.load": HandlerRow({MANAGER, ADMIN}, "/teams/people/{learner}"),
    "AdminOverviewState.load": HandlerRow({ADMIN}, "/admin"),
    # --- compliance: report (rows below) ---
    # The page is the admin's; the service also serves a manager the report of their own team.
    "ComplianceReportState.load": HandlerRow({MANAGER, ADMIN}, "/admin/compliance"),
    "ComplianceReportState.set_requirement": HandlerRow({MANAGER, ADMIN}, "/admin/compliance", lambda ids: ("all",)),
    "ComplianceReportState.set_department": HandlerRow({MANAGER, ADMIN}, "/admin/compliance", lambda ids: (str(ids["department"]),)),
    "ComplianceReportState.set_status": HandlerRow({MANAGER, ADMIN}, "/admin/compliance", lambda ids: ("overdue",)),
    "ComplianceReportState.turn_page": HandlerRow({MANAGER, ADMIN}, "/admin/compliance", lambda ids: (1,)),
    "ComplianceReportState.export": HandlerRow({MANAGER, ADMIN}, "/admin/compliance", lambda ids: ("departments", "pdf")),
    # --- dashboards: admin overview (rows below) ---
    "AdminOverviewState.set_range": HandlerRow({ADMIN}, "/admin", lambda ids: ("7",)),
    "AdminOverviewState.set_dates": HandlerRow({ADMIN}, "/admin", lambda ids: ({"from": "2026-01-01", "to": "2026-01-31"},)),
    "AdminOverviewState.export": HandlerRow({ADMIN}, "/admin", lambda ids: ("logins", "csv")),
    # --- dashboards: course analytics (rows below) ---
    # The world's course is Irene's; admins manage every course. Leo is in the list of the
    # page's learners at risk (as the page would have shown him) and gets the message.
    **{f"CourseAnalyticsState.{name}": HandlerRow({INSTRUCTOR, ADMIN}, "/teach/courses/{course}/analytics", args)
       for name, args in (("load", lambda ids: ()), ("pick_quiz", lambda ids: (str(ids["quiz"]),)),
                          ("pick_assessment", lambda ids: (str(ids["quiz"]),)), ("export", lambda ids: ("funnel", "csv")))},
    "CourseAnalyticsState.open_message": HandlerRow({INSTRUCTOR, ADMIN}, "/teach/courses/{course}/analytics", lambda ids: (str(ids["learner"]),),
                                                    given=lambda ids: {"risk_rows": [_risk_row(ids["learner"])]}),
    "CourseAnalyticsState.send_message": HandlerRow({INSTRUCTOR, ADMIN}, "/teach/courses/{course}/analytics",
                                                    lambda ids: ({"subject": "Need a hand?", "body": "Shall we talk?"},),
                                                    given=lambda ids: {"message_key": str(ids["learner"])}),
    "CourseAnalyticsState.set_message_open": HandlerRow(EVERYONE, "/teach/courses/{course}/analytics", lambda ids: (True,), ui_only=True),
    "ProfileState.load": HandlerRow(SIGNED_IN, "/profile"),
    "ProfileState.save": HandlerRow(SIGNED_IN, "/profile", lambda ids: ({"name": "Renamed Person", "timezone": "UTC", "locale": "en"},)),
    "ProfileState.pick_timezone": HandlerRow(EVERYONE, "/profile", lambda ids: ("UTC",), ui_only=True),
    "ProfileState.pick_locale": HandlerRow(EVERYONE, "/profile", lambda ids: ("en",), ui_only=True),
    "ProfileState.change_password": HandlerRow(SIGNED_IN, "/profile", lambda ids: ({"current_password": DEMO_PASSWORD, "new_password": "a-new-passphrase-2026", "new_password2": "a-new-passphrase-2026"},)),
    # Revoking the learner's own other session: allowed for the learner... and for admins.
    "ProfileState.request_email_change": HandlerRow(SIGNED_IN, "/profile", lambda ids: ({"new_email": "moving@example.org", "email_password": DEMO_PASSWORD},)),
    "TwoFactorState.load": HandlerRow(SIGNED_IN, "/profile/two-factor"),
    "TwoFactorState.start": HandlerRow(SIGNED_IN, "/profile/two-factor"),
    "TwoFactorState.confirm": HandlerRow(SIGNED_IN, "/profile/two-factor", lambda ids: ({"code": "000000"},)),
    "TwoFactorState.cancel": HandlerRow(EVERYONE, "/profile/two-factor", ui_only=True),
    "TwoFactorState.regenerate": HandlerRow(SIGNED_IN, "/profile/two-factor", lambda ids: ({"code": "000000"},)),
    "TwoFactorState.disable": HandlerRow(SIGNED_IN, "/profile/two-factor", lambda ids: ({"code": "000000"},)),
    "ProfileState.revoke": HandlerRow({LEARNER, ADMIN}, "/profile", lambda ids: (str(ids["learner_session"]),)),
    **{f"AdminAuditState.{name}": HandlerRow({ADMIN}, "/admin/audit") for name in ("load", "clear_filters", "next_page", "previous_page", "verify", "export")},
    "AdminAuditState.set_category": HandlerRow({ADMIN}, "/admin/audit", lambda ids: ("signin",)),
    "AdminAuditState.set_person": HandlerRow({ADMIN}, "/admin/audit", lambda ids: ("leo",)),
    "AdminAuditState.set_date_from": HandlerRow({ADMIN}, "/admin/audit", lambda ids: ("2026-01-01",)),
    "AdminAuditState.set_date_to": HandlerRow({ADMIN}, "/admin/audit", lambda ids: ("2030-01-01",)),
    "AdminAuditState.show_event": HandlerRow({ADMIN}, "/admin/audit", lambda ids: ("1",)),
    "AdminAuditState.set_details_open": HandlerRow(EVERYONE, "/admin/audit", lambda ids: (False,), ui_only=True),
    "AdminAuditState.dismiss_verification": HandlerRow(EVERYONE, "/admin/audit", ui_only=True),
    # People
    **{f"AdminUsersState.{name}": HandlerRow({ADMIN}, "/admin/users") for name in ("load", "clear_filters", "show_pending", "export_csv")},
    "AdminUsersState.set_search": HandlerRow({ADMIN}, "/admin/users", lambda ids: ("leo",)),
    "AdminUsersState.set_role_filter": HandlerRow({ADMIN}, "/admin/users", lambda ids: ("learner",)),
    "AdminUsersState.set_status_filter": HandlerRow({ADMIN}, "/admin/users", lambda ids: ("active",)),
    "AdminUsersState.set_department_filter": HandlerRow({ADMIN}, "/admin/users", lambda ids: (str(ids["department"]),)),
    "AdminUsersState.go_to_page": HandlerRow({ADMIN}, "/admin/users", lambda ids: (2,)),
    "AdminUsersState.invite": HandlerRow({ADMIN}, "/admin/users", lambda ids: ({"email": "new.hire@example.com", "name": "New Hire", "role": "learner"},)),
    "AdminUsersState.approve": HandlerRow({ADMIN}, "/admin/users", lambda ids: (str(ids["pending"]),)),
    "AdminUsersState.reject": HandlerRow({ADMIN}, "/admin/users", lambda ids: (str(ids["pending"]),)),
    "AdminUsersState.save_registration": HandlerRow({ADMIN}, "/admin/users", lambda ids: ({"mode": "approval", "domains": "example.com"},)),
    "AdminUsersState.set_invite_open": HandlerRow(EVERYONE, "/admin/users", lambda ids: (True,), ui_only=True),
    "AdminUsersState.set_registration_open": HandlerRow(EVERYONE, "/admin/users", lambda ids: (True,), ui_only=True),
    "AdminUsersState.pick_registration_mode": HandlerRow(EVERYONE, "/admin/users", lambda ids: ("open",), ui_only=True),
    # One person's page: the learner
    **{f"AdminUserState.{name}": HandlerRow({ADMIN}, "/admin/users/{learner}") for name in ("load", "deactivate", "reactivate")},
    "AdminUserState.resend_invitation": HandlerRow({ADMIN}, "/admin/users/{invited}"),
    "AdminUserState.save": HandlerRow({ADMIN}, "/admin/users/{learner}", lambda ids: ({"name": "Leo Renamed", "email": "leo@example.com", "timezone": "UTC", "locale": "en"},)),
    "AdminUserState.add_role": HandlerRow({ADMIN}, "/admin/users/{learner}", lambda ids: ({"role_id": str(ids["instructor_role"]), "expires": ""},)),
    "AdminUserState.remove_role": HandlerRow({ADMIN}, "/admin/users/{learner}", lambda ids: (str(ids["learner_role"]),)),
    "AdminUserState.add_group": HandlerRow({ADMIN}, "/admin/users/{learner}", lambda ids: (str(ids["group"]),)),
    "AdminUserState.remove_group": HandlerRow({ADMIN}, "/admin/users/{learner}", lambda ids: (str(ids["group"]),)),
    "AdminUserState.revoke_session": HandlerRow({ADMIN}, "/admin/users/{learner}", lambda ids: (str(ids["learner_session"]),)),
    "AdminUserState.pick_timezone": HandlerRow(EVERYONE, "/admin/users/{learner}", lambda ids: ("UTC",), ui_only=True),
    "AdminUserState.pick_locale": HandlerRow(EVERYONE, "/admin/users/{learner}", lambda ids: ("en",), ui_only=True),
    "AdminUserState.pick_department": HandlerRow(EVERYONE, "/admin/users/{learner}", lambda ids: (str(ids["department"]),), ui_only=True),
    "AdminUserState.set_confirm_open": HandlerRow(EVERYONE, "/admin/users/{learner}", lambda ids: (True,), ui_only=True),
    # Import
    "AdminImportState.load": HandlerRow({ADMIN}, "/admin/users/import"),
    "AdminImportState.check_text": HandlerRow({ADMIN}, "/admin/users/import", lambda ids: ({"csv": IMPORT_CSV},)),
    "AdminImportState.handle_upload": HandlerRow({ADMIN}, "/admin/users/import", lambda ids: ([rx.UploadFile(io.BytesIO(IMPORT_CSV.encode()), path=Path("people.csv"))],)),
    "AdminImportState.commit": HandlerRow({ADMIN}, "/admin/users/import", given=lambda ids: {"_csv": IMPORT_CSV}),
    "AdminImportState.start_import": HandlerRow(EVERYONE, "/admin/users/import", ui_only=True),
    "AdminImportState.reset_import": HandlerRow(EVERYONE, "/admin/users/import", ui_only=True),
    "AdminImportState.edit_again": HandlerRow(EVERYONE, "/admin/users/import", ui_only=True),
    "AdminImportState.set_only_errors": HandlerRow(EVERYONE, "/admin/users/import", lambda ids: (True,), ui_only=True),
    # The template is the same blank file for everyone: column names only, no data.
    "AdminImportState.download_template": HandlerRow(EVERYONE, "/admin/users/import", ui_only=True),
    # Roles
    "AdminRolesState.load": HandlerRow({ADMIN}, "/admin/roles"),
    "AdminRolesState.toggle": HandlerRow({ADMIN}, "/admin/roles", lambda ids: (str(ids["custom_role"]), "reports.export", True)),
    "AdminRolesState.create": HandlerRow({ADMIN}, "/admin/roles", lambda ids: ({"name": "Trainer", "description": "Runs sessions", "perm:courses.teach": "on"},)),
    "AdminRolesState.save_edit": HandlerRow({ADMIN}, "/admin/roles", lambda ids: ({"name": "Auditor (read only)", "description": "Reads"},), given=lambda ids: {"edit_id": str(ids["custom_role"])}),
    "AdminRolesState.delete": HandlerRow({ADMIN}, "/admin/roles", lambda ids: (str(ids["custom_role"]),)),
    "AdminRolesState.set_create_open": HandlerRow(EVERYONE, "/admin/roles", lambda ids: (True,), ui_only=True),
    "AdminRolesState.start_edit": HandlerRow(EVERYONE, "/admin/roles", lambda ids: (str(ids["custom_role"]),), ui_only=True),
    "AdminRolesState.set_edit_open": HandlerRow(EVERYONE, "/admin/roles", lambda ids: (True,), ui_only=True),
    # Groups and departments
    "AdminGroupsState.load": HandlerRow({ADMIN}, "/admin/groups", given=in_group),
    "AdminGroupsState.go_to_member_page": HandlerRow({ADMIN}, "/admin/groups", lambda ids: (1,), given=in_group),
    "AdminGroupsState.create_group": HandlerRow({ADMIN}, "/admin/groups", lambda ids: ({"name": "Winter 2027 onboarding", "description": ""},)),
    "AdminGroupsState.open_group": HandlerRow({ADMIN}, "/admin/groups", lambda ids: (str(ids["group"]),)),
    "AdminGroupsState.save_group": HandlerRow({ADMIN}, "/admin/groups", lambda ids: ({"name": "Autumn onboarding", "description": "Renamed"},), given=in_group),
    "AdminGroupsState.delete_group": HandlerRow({ADMIN}, "/admin/groups", lambda ids: (str(ids["group"]),)),
    "AdminGroupsState.set_member_search": HandlerRow({ADMIN}, "/admin/groups", lambda ids: ("leo",), given=in_group),
    "AdminGroupsState.add_member": HandlerRow({ADMIN}, "/admin/groups", lambda ids: (str(ids["learner"]),), given=in_group),
    "AdminGroupsState.remove_member": HandlerRow({ADMIN}, "/admin/groups", lambda ids: (str(ids["member"]),), given=in_group),
    "AdminGroupsState.add_group_manager": HandlerRow({ADMIN}, "/admin/groups", lambda ids: (str(ids["manager"]),), given=in_group),
    "AdminGroupsState.remove_group_manager": HandlerRow({ADMIN}, "/admin/groups", lambda ids: (str(ids["group_manager"]),), given=in_group),
    "AdminGroupsState.search_people": HandlerRow({ADMIN}, "/admin/groups", lambda ids: ("leo",)),
    "AdminGroupsState.save_department": HandlerRow({ADMIN}, "/admin/groups", lambda ids: ({"name": "Warehouse", "parent": ""},)),
    "AdminGroupsState.delete_department": HandlerRow({ADMIN}, "/admin/groups", lambda ids: (str(ids["department"]),)),
    "AdminGroupsState.open_dept_managers": HandlerRow({ADMIN}, "/admin/groups", lambda ids: (str(ids["department"]),)),
    "AdminGroupsState.add_department_manager": HandlerRow({ADMIN}, "/admin/groups", lambda ids: (str(ids["manager"]),), given=in_department),
    "AdminGroupsState.remove_department_manager": HandlerRow({ADMIN}, "/admin/groups", lambda ids: (str(ids["dept_manager"]),), given=in_department),
    **{f"AdminGroupsState.{name}": HandlerRow(EVERYONE, "/admin/groups", lambda ids: (True,), ui_only=True)
       for name in ("set_create_group_open", "set_group_open", "set_dept_form_open", "set_delete_dept_open", "set_dept_managers_open")},
    "AdminGroupsState.set_tab": HandlerRow(EVERYONE, "/admin/groups", lambda ids: ("departments",), ui_only=True),
    "AdminGroupsState.pick_dept_parent": HandlerRow(EVERYONE, "/admin/groups", lambda ids: (str(ids["department"]),), ui_only=True),
    **{f"AdminGroupsState.{name}": HandlerRow(EVERYONE, "/admin/groups", lambda ids: (str(ids["department"]),), ui_only=True)
       for name in ("new_department", "edit_department", "ask_delete_department")},
    # --- courses: authoring (rows below) ---
    # Irene teaches the world's course; admins manage every course. The rest are refused like the pages.
    "TeachState.load": HandlerRow({INSTRUCTOR, ADMIN}, "/teach"),
    "TeachState.create_course": HandlerRow({INSTRUCTOR, ADMIN}, "/teach", lambda ids: ({"title": "Forklift basics", "summary": "", "category": "Safety", "language": "en"},)),
    "TeachState.set_create_open": HandlerRow(EVERYONE, "/teach", lambda ids: (True,), ui_only=True),
    **{f"CourseEditorState.{name}": HandlerRow({INSTRUCTOR, ADMIN}, "/teach/courses/{course}")
       for name in ("load", "publish", "unpublish", "archive", "copy_course", "remove_key")},
    "CourseEditorState.save_details": HandlerRow({INSTRUCTOR, ADMIN}, "/teach/courses/{course}", lambda ids: ({
        "title": "Safe lifting", "summary": "Lift well.", "category": "Safety", "tags": "safety, back", "language": "en",
        "estimated_minutes": "40", "access_days": "90", "completion_rule": "all_required"},)),
    "CourseEditorState.set_self_enrollment": HandlerRow({INSTRUCTOR, ADMIN}, "/teach/courses/{course}", lambda ids: (False,)),
    "CourseEditorState.set_key": HandlerRow({INSTRUCTOR, ADMIN}, "/teach/courses/{course}", lambda ids: ({"key": "open-sesame"},)),
    "CourseEditorState.save_module": HandlerRow({INSTRUCTOR, ADMIN}, "/teach/courses/{course}", lambda ids: ({"title": "Renamed basics"},), given=lambda ids: {"module_form_id": str(ids["module"])}),
    "CourseEditorState.move_module": HandlerRow({INSTRUCTOR, ADMIN}, "/teach/courses/{course}", lambda ids: (str(ids["module"]), "down")),
    "CourseEditorState.confirm_delete": HandlerRow({INSTRUCTOR, ADMIN}, "/teach/courses/{course}", given=lambda ids: {"delete_what": "module", "delete_id": str(ids["module2"])}),
    "CourseEditorState.add_lesson": HandlerRow({INSTRUCTOR, ADMIN}, "/teach/courses/{course}", lambda ids: ({"title": "Extra", "kind": "text"},), given=lambda ids: {"add_lesson_module": str(ids["module"])}),
    "CourseEditorState.move_lesson": HandlerRow({INSTRUCTOR, ADMIN}, "/teach/courses/{course}", lambda ids: (str(ids["lesson"]), "down")),
    "CourseEditorState.open_lesson": HandlerRow({INSTRUCTOR, ADMIN}, "/teach/courses/{course}", lambda ids: (str(ids["lesson"]),)),
    "CourseEditorState.save_lesson_title": HandlerRow({INSTRUCTOR, ADMIN}, "/teach/courses/{course}", lambda ids: ("Why lifting matters",), given=lambda ids: {"lesson_id": str(ids["lesson"])}),
    "CourseEditorState.set_lesson_required": HandlerRow({INSTRUCTOR, ADMIN}, "/teach/courses/{course}", lambda ids: (False,), given=lambda ids: {"lesson_id": str(ids["lesson"])}),
    "CourseEditorState.set_lesson_counts": HandlerRow({INSTRUCTOR, ADMIN}, "/teach/courses/{course}", lambda ids: (True,), given=lambda ids: {"lesson_id": str(ids["lesson"])}),
    "CourseEditorState.move_lesson_to_module": HandlerRow({INSTRUCTOR, ADMIN}, "/teach/courses/{course}", lambda ids: (str(ids["module2"]),), given=lambda ids: {"lesson_id": str(ids["lesson"])}),
    "CourseEditorState.autosave_markdown": HandlerRow({INSTRUCTOR, ADMIN}, "/teach/courses/{course}", lambda ids: ("# Why\n\nBacks matter.",), given=lambda ids: {"lesson_id": str(ids["lesson"])}),
    "CourseEditorState.save_markdown": HandlerRow({INSTRUCTOR, ADMIN}, "/teach/courses/{course}", given=lambda ids: {"lesson_id": str(ids["lesson"]), "markdown": "Backs matter."}),
    "CourseEditorState.save_content": HandlerRow({INSTRUCTOR, ADMIN}, "/teach/courses/{course}", lambda ids: ({"url": "https://example.com/lifting"},), given=lambda ids: {"lesson_id": str(ids["lesson"]), "lesson_kind": "link"}),
    "CourseEditorState.save_release": HandlerRow({INSTRUCTOR, ADMIN}, "/teach/courses/{course}", lambda ids: ({"release_mode": "days", "release_days": "3"},), given=lambda ids: {"lesson_id": str(ids["lesson2"])}),
    "CourseEditorState.upload_lesson_file": HandlerRow({INSTRUCTOR, ADMIN}, "/teach/courses/{course}", lambda ids: ([rx.UploadFile(io.BytesIO(PDF), path=Path("handout.pdf"))],),
                                                       given=lambda ids: {"lesson_id": str(ids["file_lesson"]), "lesson_kind": "file"}),
    "CourseEditorState.pick_video_source": HandlerRow(EVERYONE, "/teach/courses/{course}", lambda ids: ("upload",), ui_only=True),
    "CourseEditorState.toggle_prerequisite": HandlerRow({INSTRUCTOR, ADMIN}, "/teach/courses/{course}", lambda ids: (str(ids["lesson"]), True), given=lambda ids: {"lesson_id": str(ids["locked_lesson"])}),
    **{f"CourseEditorState.{name}": HandlerRow(EVERYONE, "/teach/courses/{course}", lambda ids: (True,), ui_only=True)
       for name in ("set_archive_open", "set_module_form_open", "set_delete_open", "set_add_lesson_open", "set_lesson_open")},
    **{f"CourseEditorState.{name}": HandlerRow(EVERYONE, "/teach/courses/{course}", ui_only=True) for name in ("dismiss_problems", "new_module")},
    "CourseEditorState.pick_language": HandlerRow(EVERYONE, "/teach/courses/{course}", lambda ids: ("fr",), ui_only=True),
    "CourseEditorState.pick_completion_rule": HandlerRow(EVERYONE, "/teach/courses/{course}", lambda ids: ("chosen",), ui_only=True),
    "CourseEditorState.pick_lesson_kind": HandlerRow(EVERYONE, "/teach/courses/{course}", lambda ids: ("link",), ui_only=True),
    "CourseEditorState.pick_release_mode": HandlerRow(EVERYONE, "/teach/courses/{course}", lambda ids: ("date",), ui_only=True),
    "CourseEditorState.set_markdown": HandlerRow(EVERYONE, "/teach/courses/{course}", lambda ids: ("# Draft",), ui_only=True),
    "CourseEditorState.module_settings": HandlerRow({INSTRUCTOR, ADMIN}, "/teach/courses/{course}", lambda ids: (str(ids["module2"]),)),
    "CourseEditorState.toggle_module_prerequisite": HandlerRow({INSTRUCTOR, ADMIN}, "/teach/courses/{course}", lambda ids: (str(ids["module"]), True), given=lambda ids: {"module_form_id": str(ids["module2"])}),
    "CourseEditorState.upload_cover": HandlerRow({INSTRUCTOR, ADMIN}, "/teach/courses/{course}", lambda ids: ([rx.UploadFile(io.BytesIO(PNG), path=Path("cover.png"))],)),
    "CourseEditorState.remove_cover": HandlerRow({INSTRUCTOR, ADMIN}, "/teach/courses/{course}"),
    "CourseEditorState.upload_lesson_image": HandlerRow({INSTRUCTOR, ADMIN}, "/teach/courses/{course}", lambda ids: ([rx.UploadFile(io.BytesIO(PNG), path=Path("map.png"))],),
                                                        given=lambda ids: {"lesson_id": str(ids["lesson"]), "lesson_kind": "text"}),
    "CourseEditorState.pick_required_course": HandlerRow(EVERYONE, "/teach/courses/{course}", lambda ids: ("none",), ui_only=True),
    # Isaac assists on the world's course.
    "CourseEditorState.search_staff": HandlerRow({INSTRUCTOR, ADMIN}, "/teach/courses/{course}", lambda ids: ("isaac",)),
    "CourseEditorState.add_staff": HandlerRow({INSTRUCTOR, ADMIN}, "/teach/courses/{course}", lambda ids: (str(ids["assistant"]), "instructor")),
    "CourseEditorState.change_staff_role": HandlerRow({INSTRUCTOR, ADMIN}, "/teach/courses/{course}", lambda ids: (str(ids["assistant"]), "instructor")),
    "CourseEditorState.new_lesson": HandlerRow(EVERYONE, "/teach/courses/{course}", lambda ids: (str(ids["module"]),), ui_only=True),
    "CourseEditorState.ask_delete": HandlerRow(EVERYONE, "/teach/courses/{course}", lambda ids: ("lesson", str(ids["lesson"])), ui_only=True),
    "CourseLearnersState.load": HandlerRow({INSTRUCTOR, ADMIN}, "/teach/courses/{course}/learners"),
    "CourseLearnersState.open_enroll": HandlerRow({INSTRUCTOR, ADMIN}, "/teach/courses/{course}/learners"),
    "CourseLearnersState.search_enrollable": HandlerRow({INSTRUCTOR, ADMIN}, "/teach/courses/{course}/learners", lambda ids: ("sven",)),
    "CourseLearnersState.enroll_person": HandlerRow({INSTRUCTOR, ADMIN}, "/teach/courses/{course}/learners", lambda ids: (str(ids["manager"]),)),
    "CourseLearnersState.enroll_group": HandlerRow({INSTRUCTOR, ADMIN}, "/teach/courses/{course}/learners", lambda ids: ({"group": str(ids["group"])},)),
    "CourseLearnersState.enroll_department": HandlerRow({INSTRUCTOR, ADMIN}, "/teach/courses/{course}/learners", lambda ids: ({"department": str(ids["department"])},)),
    "CourseLearnersState.set_enroll_open": HandlerRow(EVERYONE, "/teach/courses/{course}/learners", lambda ids: (True,), ui_only=True),
    "CourseLearnersState.unenroll": HandlerRow({INSTRUCTOR, ADMIN}, "/teach/courses/{course}/learners", lambda ids: ({"reason": "Left the company"},), given=lambda ids: {"target_id": str(ids["enrollment"])}),
    "CourseLearnersState.save_progress": HandlerRow({INSTRUCTOR, ADMIN}, "/teach/courses/{course}/learners", lambda ids: ({"lesson": str(ids["lesson"]), "reason": "Attended in person"},),
                                                    given=lambda ids: {"target_id": str(ids["enrollment"]), "progress_action": "complete"}),
    "CourseLearnersState.set_search": HandlerRow(EVERYONE, "/teach/courses/{course}/learners", lambda ids: ("leo",), ui_only=True),
    **{f"CourseLearnersState.{name}": HandlerRow(EVERYONE, "/teach/courses/{course}/learners", lambda ids: (True,), ui_only=True)
       for name in ("set_unenroll_open", "set_progress_open")},
    "CourseLearnersState.ask_unenroll": HandlerRow(EVERYONE, "/teach/courses/{course}/learners", lambda ids: (str(ids["enrollment"]),), ui_only=True),
    "CourseLearnersState.ask_progress": HandlerRow(EVERYONE, "/teach/courses/{course}/learners", lambda ids: (str(ids["enrollment"]), "reset"), ui_only=True),
    "CourseLearnersState.pick_progress_lesson": HandlerRow(EVERYONE, "/teach/courses/{course}/learners", lambda ids: (str(ids["lesson"]),), ui_only=True),
    # --- courses: roster import and export (rows below) ---
    "CourseLearnersState.export_roster": HandlerRow({INSTRUCTOR, ADMIN}, "/teach/courses/{course}/learners"),
    "CourseLearnersState.handle_import_upload": HandlerRow({INSTRUCTOR, ADMIN}, "/teach/courses/{course}/learners", lambda ids: ([rx.UploadFile(io.BytesIO(ENROLL_CSV.encode()), path=Path("learners.csv"))],)),
    # The file checked by the upload is in the state already; the instructor enrolls Sven, then the admin finds him enrolled.
    "CourseLearnersState.bulk_enroll": HandlerRow({INSTRUCTOR, ADMIN}, "/teach/courses/{course}/learners", given=lambda ids: {"_import_csv": ENROLL_CSV}),
    **{f"CourseLearnersState.{name}": HandlerRow(EVERYONE, "/teach/courses/{course}/learners", ui_only=True) for name in ("reset_import", "start_bulk_enroll")},
    "CourseLearnersState.set_import_open": HandlerRow(EVERYONE, "/teach/courses/{course}/learners", lambda ids: (True,), ui_only=True),
    # --- courses: export and import (rows below) ---
    # Importing needs "courses.create" (instructors, admins): each of them gets a new draft.
    "CourseImportState.upload_archive": HandlerRow({INSTRUCTOR, ADMIN}, "/teach", lambda ids: ([rx.UploadFile(io.BytesIO(small_course_archive()), path=Path("course.zip"))],)),
    "CourseImportState.set_import_open": HandlerRow(EVERYONE, "/teach", lambda ids: (True,), ui_only=True),
    "CourseImportState.start_import": HandlerRow(EVERYONE, "/teach", ui_only=True),
    # --- assessments: question bank (rows below) ---
    # The world's course's category "Capitals" holds one question; Irene and admins use it.
    **{f"QuestionBankState.{name}": HandlerRow({INSTRUCTOR, ADMIN}, "/teach/courses/{course}/questions", given=in_question_category)
       for name in ("load", "export_gift", "import_readable_ones")},
    "QuestionBankState.pick_category": HandlerRow({INSTRUCTOR, ADMIN}, "/teach/courses/{course}/questions", lambda ids: (str(ids["question_category"]),)),
    "QuestionBankState.set_search": HandlerRow({INSTRUCTOR, ADMIN}, "/teach/courses/{course}/questions", lambda ids: ("cap",), given=in_question_category),
    "QuestionBankState.create_category": HandlerRow({INSTRUCTOR, ADMIN}, "/teach/courses/{course}/questions", lambda ids: ({"name": "Rivers", "bank": "course"},)),
    "QuestionBankState.delete_question": HandlerRow({INSTRUCTOR, ADMIN}, "/teach/courses/{course}/questions", lambda ids: (str(ids["question"]),), given=in_question_category),
    "QuestionBankState.upload_gift": HandlerRow({INSTRUCTOR, ADMIN}, "/teach/courses/{course}/questions",
                                                lambda ids: ([rx.UploadFile(io.BytesIO(b"::Q::Capital of Italy? {=Rome ~Milan}"), path=Path("bank.gift"))],),
                                                given=in_question_category),
    **{f"QuestionBankState.{name}": HandlerRow(EVERYONE, "/teach/courses/{course}/questions", lambda ids: (True,), ui_only=True)
       for name in ("set_category_open", "set_import_open")},
    # --- assessments: question editor (rows below) ---
    # Opening and saving go through the bank service, on the world's category and question;
    # checking an answer is for those who teach. The form and preview handlers change only the
    # caller's own draft on the server.
    "QuestionEditorState.open_new": HandlerRow({INSTRUCTOR, ADMIN}, "/teach/courses/{course}/questions", lambda ids: ("multiple", str(ids["question_category"]))),
    "QuestionEditorState.open_edit": HandlerRow({INSTRUCTOR, ADMIN}, "/teach/courses/{course}/questions", lambda ids: (str(ids["question"]), str(ids["question_category"]))),
    **{f"QuestionEditorState.{name}": HandlerRow({INSTRUCTOR, ADMIN}, "/teach/courses/{course}/questions", given=in_question_editor)
       for name in ("save", "check_answer")},
    "QuestionEditorState.set_editor_open": HandlerRow(EVERYONE, "/teach/courses/{course}/questions", lambda ids: (True,), ui_only=True),
    "QuestionEditorState.set_tab": HandlerRow(EVERYONE, "/teach/courses/{course}/questions", lambda ids: ("preview",), given=in_question_editor, ui_only=True),
    "QuestionEditorState.set_field": HandlerRow(EVERYONE, "/teach/courses/{course}/questions", lambda ids: ("title", "Renamed"), given=in_question_editor, ui_only=True),
    "QuestionEditorState.set_row": HandlerRow(EVERYONE, "/teach/courses/{course}/questions", lambda ids: ("choices", 1, "text", "Lille"), given=in_question_editor, ui_only=True),
    "QuestionEditorState.add_row": HandlerRow(EVERYONE, "/teach/courses/{course}/questions", lambda ids: ("choices",), given=in_question_editor, ui_only=True),
    "QuestionEditorState.remove_row": HandlerRow(EVERYONE, "/teach/courses/{course}/questions", lambda ids: ("choices", 1), given=in_question_editor, ui_only=True),
    "QuestionEditorState.move_row": HandlerRow(EVERYONE, "/teach/courses/{course}/questions", lambda ids: ("choices", 1, -1), given=in_question_editor, ui_only=True),
    "QuestionEditorState.choose": HandlerRow(EVERYONE, "/teach/courses/{course}/questions", lambda ids: ("0",), ui_only=True),
    "QuestionEditorState.toggle_choice": HandlerRow(EVERYONE, "/teach/courses/{course}/questions", lambda ids: ("0", True), ui_only=True),
    "QuestionEditorState.set_flag": HandlerRow(EVERYONE, "/teach/courses/{course}/questions", lambda ids: ("true",), ui_only=True),
    "QuestionEditorState.set_answer_text": HandlerRow(EVERYONE, "/teach/courses/{course}/questions", lambda ids: ("Paris",), ui_only=True),
    **{f"QuestionEditorState.{name}": HandlerRow(EVERYONE, "/teach/courses/{course}/questions", lambda ids: (0, 1), ui_only=True)
       for name in ("match", "move_item")},
    "QuestionEditorState.set_blank": HandlerRow(EVERYONE, "/teach/courses/{course}/questions", lambda ids: (0, "Seine"), ui_only=True),
    # --- assessments: gradebook (rows below) ---
    # The world's course has a manual item "Participation" (grade_item) and a category
    # "Quizzes" (grade_category); Irene (instructor) and admins grade and set the book up. Only
    # Leo, enrolled, reads his own grades.
    **{f"GradebookState.{name}": HandlerRow({INSTRUCTOR, ADMIN}, "/teach/courses/{course}/gradebook")
       for name in ("load", "open_setup", "open_scale", "export_csv", "export_xlsx")},
    "GradebookState.set_search": HandlerRow({INSTRUCTOR, ADMIN}, "/teach/courses/{course}/gradebook", lambda ids: ("leo",)),
    "GradebookState.set_group": HandlerRow({INSTRUCTOR, ADMIN}, "/teach/courses/{course}/gradebook", lambda ids: (str(ids["group"]),)),
    "GradebookState.set_sort": HandlerRow({INSTRUCTOR, ADMIN}, "/teach/courses/{course}/gradebook", lambda ids: ("-total",)),
    "GradebookState.toggle_sort": HandlerRow({INSTRUCTOR, ADMIN}, "/teach/courses/{course}/gradebook", lambda ids: ("total",)),
    "GradebookState.go_page": HandlerRow({INSTRUCTOR, ADMIN}, "/teach/courses/{course}/gradebook", lambda ids: (2,)),
    "GradebookState.save_manual": HandlerRow({INSTRUCTOR, ADMIN}, "/teach/courses/{course}/gradebook",
                                             lambda ids: (str(ids["enrollment"]), str(ids["grade_item"]), "7")),
    "GradebookState.open_override": HandlerRow({INSTRUCTOR, ADMIN}, "/teach/courses/{course}/gradebook",
                                               lambda ids: (str(ids["enrollment"]), str(ids["grade_item"]))),
    "GradebookState.save_override": HandlerRow({INSTRUCTOR, ADMIN}, "/teach/courses/{course}/gradebook", lambda ids: ({"override": "9", "reason": "Extra work"},),
                                               given=lambda ids: {"edit_key": str(ids["enrollment"]), "edit_item": str(ids["grade_item"])}),
    "GradebookState.save_category": HandlerRow({INSTRUCTOR, ADMIN}, "/teach/courses/{course}/gradebook", lambda ids: ({"name": "Labs", "weight": "10", "drop_lowest": "0"},)),
    "GradebookState.delete_category": HandlerRow({INSTRUCTOR, ADMIN}, "/teach/courses/{course}/gradebook", lambda ids: (str(ids["grade_category"]),)),
    "GradebookState.save_item": HandlerRow({INSTRUCTOR, ADMIN}, "/teach/courses/{course}/gradebook", lambda ids: ({"title": "Bonus", "max_points": "5"},)),
    "GradebookState.delete_item": HandlerRow({INSTRUCTOR, ADMIN}, "/teach/courses/{course}/gradebook", lambda ids: (str(ids["grade_item"]),)),
    "GradebookState.save_scale": HandlerRow({INSTRUCTOR, ADMIN}, "/teach/courses/{course}/gradebook", lambda ids: ({"scale": "Pass 50\nFail 0"},)),
    "GradebookState.upload_import": HandlerRow({INSTRUCTOR, ADMIN}, "/teach/courses/{course}/gradebook",
                                               lambda ids: ([rx.UploadFile(io.BytesIO(GRADES_CSV.encode()), path=Path("grades.csv"))],)),
    "GradebookState.commit_import": HandlerRow({INSTRUCTOR, ADMIN}, "/teach/courses/{course}/gradebook", given=lambda ids: {"_import_csv": GRADES_CSV}),
    **{f"GradebookState.{name}": HandlerRow(EVERYONE, "/teach/courses/{course}/gradebook", lambda ids: (True,), ui_only=True)
       for name in ("set_edit_open", "set_setup_open", "set_scale_open", "set_import_open")},
    **{f"GradebookState.{name}": HandlerRow(EVERYONE, "/teach/courses/{course}/gradebook", lambda ids: ("",), ui_only=True)
       for name in ("open_category_form", "open_item_form")},
    **{f"GradebookState.{name}": HandlerRow(EVERYONE, "/teach/courses/{course}/gradebook", ui_only=True) for name in ("close_forms", "reset_import")},
    "LearnerGradesState.load": HandlerRow({LEARNER}, "/learn/courses/{course}/grades"),
    # --- assessments: quiz player (rows below) ---
    # The world's quiz ("Lifting check"): Leo, enrolled, has an attempt open. Only he may open
    # its intro and start; the others are not enrolled. Saving, submitting and uploading work
    # on one's own attempt only: Leo's does not exist for the others (the service answers "That
    # attempt does not exist." and changes nothing; tests/state/test_quiz_player_states.py checks
    # it), like cancelling a seat one does not hold. Answering changes only the caller's screen;
    # the save follows as its own event.
    **{f"QuizPlayerState.{name}": HandlerRow({LEARNER}, "/learn/courses/{course}/{player_quiz}") for name in ("load", "start", "back_to_intro")},
    "QuizPlayerState.review_attempt": HandlerRow({LEARNER}, "/learn/courses/{course}/{player_quiz}", lambda ids: (1,)),
    **{f"QuizPlayerState.{name}": HandlerRow(SIGNED_IN, "/learn/courses/{course}/{player_quiz}", given=in_quiz_attempt)
       for name in ("save_pending", "submit", "time_up")},
    "QuizPlayerState.choose": HandlerRow(EVERYONE, "/learn/courses/{course}/{player_quiz}", lambda ids: (1, "1"), given=in_quiz_attempt, ui_only=True),
    "QuizPlayerState.toggle_choice": HandlerRow(EVERYONE, "/learn/courses/{course}/{player_quiz}", lambda ids: (1, "1", True), given=in_quiz_attempt, ui_only=True),
    "QuizPlayerState.set_flag": HandlerRow(EVERYONE, "/learn/courses/{course}/{player_quiz}", lambda ids: (1, "true"), given=in_quiz_attempt, ui_only=True),
    "QuizPlayerState.set_answer_text": HandlerRow(EVERYONE, "/learn/courses/{course}/{player_quiz}", lambda ids: (1, "Paris"), given=in_quiz_attempt, ui_only=True),
    **{f"QuizPlayerState.{name}": HandlerRow(EVERYONE, "/learn/courses/{course}/{player_quiz}", lambda ids: (1, 0, 1), given=in_quiz_attempt, ui_only=True)
       for name in ("match", "move_item")},
    "QuizPlayerState.set_blank": HandlerRow(EVERYONE, "/learn/courses/{course}/{player_quiz}", lambda ids: (1, 0, "Seine"), given=in_quiz_attempt, ui_only=True),
    "QuizPlayerState.set_submit_open": HandlerRow(EVERYONE, "/learn/courses/{course}/{player_quiz}", lambda ids: (True,), ui_only=True),
    "QuizPlayerState.pick_file_target": HandlerRow(EVERYONE, "/learn/courses/{course}/{player_quiz}", lambda ids: (3,), given=in_quiz_file_question, ui_only=True),
    "QuizPlayerState.upload_file": HandlerRow(SIGNED_IN, "/learn/courses/{course}/{player_quiz}",
                                              lambda ids: ([rx.UploadFile(io.BytesIO(PDF), path=Path("plan.pdf"))],), given=in_quiz_file_question),
    # After a quiz result the player's outline follows: like the player's reports, only Leo's run has one.
    "PlayerState.refresh_progress": HandlerRow({LEARNER}, "/learn/courses/{course}/{player_quiz}"),
    # --- assessments: assignments (rows below) ---
    # The world's assignment ("Hazard report"): its editor is for those who teach the course
    # (Irene, admins); Leo handed in a PDF and has an extension. Anyone signed in may open it in
    # the player (someone not enrolled reads why); only Leo, enrolled, hands in.
    # --- xAPI: the LRS clients page ---
    "AdminLrsState.load": HandlerRow({ADMIN}, "/admin/lrs"),
    "AdminLrsState.create": HandlerRow({ADMIN}, "/admin/lrs", lambda ids: ({"name": "Authoring tool", "scope_statements/write": "on"},)),
    "AdminLrsState.revoke": HandlerRow({ADMIN}, "/admin/lrs", given=lambda ids: {"revoke_id": str(ids["lrs_client"])}),
    **{f"AdminLrsState.{name}": HandlerRow(EVERYONE, "/admin/lrs", lambda ids: (True,), ui_only=True) for name in ("set_create_open", "set_revoke_open")},
    "AdminLrsState.ask_revoke": HandlerRow(EVERYONE, "/admin/lrs", lambda ids: (str(ids["lrs_client"]),), ui_only=True),
    # --- settings ---
    "AdminSettingsState.load": HandlerRow({ADMIN}, "/admin/settings"),
    "AdminSettingsState.save_organization": HandlerRow({ADMIN}, "/admin/settings", lambda ids: ({"org_name": "Example Academy", "default_timezone": "Europe/Paris"},)),
    "AdminSettingsState.save_email": HandlerRow({ADMIN}, "/admin/settings", lambda ids: ({"smtp_host": "smtp.example.org", "smtp_port": "587", "smtp_tls": "starttls",
                                                                                        "smtp_user": "", "smtp_password": "", "smtp_sender": "LMS <lms@example.org>"},)),
    "AdminSettingsState.save_sign_in": HandlerRow({ADMIN}, "/admin/settings", lambda ids: ({"password_min_length": "12", "session_idle_minutes": "240",
                                                                                          "session_absolute_minutes": "10080"},)),
    "AdminSettingsState.save_registration": HandlerRow({ADMIN}, "/admin/settings", lambda ids: ({"registration_mode": "approval", "registration_domains": ""},)),
    "AdminSettingsState.save_course_creation": HandlerRow({ADMIN}, "/admin/settings", lambda ids: ({"creator_instructor": "on", "creator_manager": "on"},),
                                                          given=lambda ids: {"roles": [_settings_role(n) for n in ("admin", "instructor", "manager", "learner")]}),
    "AdminSettingsState.save_two_factor": HandlerRow({ADMIN}, "/admin/settings", lambda ids: ({"two_factor_mode": "default"},)),
    "AdminSettingsState.save_backups": HandlerRow({ADMIN}, "/admin/settings", lambda ids: ({"backup_every_hours": "24", "backup_keep": "3",
                                                                                         "backup_folder": str(settings.DATA_DIR / "backups")},)),
    "AdminSettingsState.upload_logo": HandlerRow({ADMIN}, "/admin/settings", lambda ids: ([rx.UploadFile(io.BytesIO(PNG), path=Path("logo.png"))],)),
    "AdminSettingsState.remove_logo": HandlerRow({ADMIN}, "/admin/settings"),
    "AdminSettingsState.send_test_email": HandlerRow({ADMIN}, "/admin/settings", lambda ids: ({"test_to": "admin@example.com"},)),
    # Shows the organization's name and logo (which every signed-in person sees) in the header.
    "AdminSettingsState.refresh_brand": HandlerRow(EVERYONE, "/admin/settings", ui_only=True),
    # --- SCORM: the package editor, the staff's attempts page, the player's panel ---
    "ScormEditorState.load": HandlerRow({INSTRUCTOR, ADMIN}, "/teach/courses/{course}", lambda ids: (str(ids["scorm_lesson"]),)),
    "ScormEditorState.upload": HandlerRow({INSTRUCTOR, ADMIN}, "/teach/courses/{course}",
                                          lambda ids: ([rx.UploadFile(io.BytesIO(scorm12_single_sco()), path=Path("forklift.zip"))],),
                                          given=lambda ids: {"lesson_ref": str(ids["scorm_lesson"])}),
    "ScormEditorState.save": HandlerRow({INSTRUCTOR, ADMIN}, "/teach/courses/{course}", lambda ids: ({"max_attempts": "3"},),
                                        given=lambda ids: {"lesson_ref": str(ids["scorm_lesson"])}),
    "ScormEditorState.set_move_open_attempts": HandlerRow(EVERYONE, "/teach/courses/{course}", lambda ids: (True,), ui_only=True),
    **{f"ScormAttemptsState.{name}": HandlerRow({INSTRUCTOR, ADMIN}, "/teach/courses/{course}/scorm/{scorm_lesson}") for name in ("load", "export_csv")},
    "ScormAttemptsState.set_search": HandlerRow({INSTRUCTOR, ADMIN}, "/teach/courses/{course}/scorm/{scorm_lesson}", lambda ids: ("leo",)),
    "ScormAttemptsState.open_attempt": HandlerRow({INSTRUCTOR, ADMIN}, "/teach/courses/{course}/scorm/{scorm_lesson}", lambda ids: (str(ids["scorm_attempt"]),)),
    "ScormAttemptsState.set_detail_open": HandlerRow(EVERYONE, "/teach/courses/{course}/scorm/{scorm_lesson}", lambda ids: (False,), ui_only=True),
    **{f"ScormPlayerState.{name}": HandlerRow({LEARNER}, "/learn/courses/{course}/{scorm_lesson}") for name in ("load", "refresh")},
    "AssignmentEditorState.load": HandlerRow({INSTRUCTOR, ADMIN}, "/teach/courses/{course}", lambda ids: (str(ids["assignment"]),)),
    "AssignmentEditorState.save": HandlerRow({INSTRUCTOR, ADMIN}, "/teach/courses/{course}", lambda ids: (ASSIGNMENT_FORM,), given=in_assignment_editor),
    "AssignmentEditorState.grant_extension": HandlerRow({INSTRUCTOR, ADMIN}, "/teach/courses/{course}",
                                                        lambda ids: ({"user": str(ids["learner"]), "due_at": "2031-01-10T12:00", "closes_at": "", "reason": "Ill"},),
                                                        given=in_assignment_editor),
    "AssignmentEditorState.remove_extension": HandlerRow({INSTRUCTOR, ADMIN}, "/teach/courses/{course}", lambda ids: (str(ids["extension"]),), given=in_assignment_editor),
    **{f"AssignmentEditorState.{name}": HandlerRow(EVERYONE, "/teach/courses/{course}", lambda ids: ("text",), ui_only=True)
       for name in ("set_instructions_preview", "pick_submission_type", "pick_rubric", "pick_ext_user")},
    "AssignmentEditorState.set_ext_open": HandlerRow(EVERYONE, "/teach/courses/{course}", lambda ids: (True,), ui_only=True),
    "AssignmentPlayerState.load": HandlerRow(SIGNED_IN, "/learn/courses/{course}/{assignment}"),
    "AssignmentPlayerState.set_draft_text": HandlerRow(EVERYONE, "/learn/courses/{course}/{assignment}", lambda ids: ("My answer",), ui_only=True),
    "AssignmentPlayerState.submit": HandlerRow({LEARNER}, "/learn/courses/{course}/{assignment}",
                                               lambda ids: ([rx.UploadFile(io.BytesIO(PDF), path=Path("report.pdf"))],)),
    # --- assessments: grading (rows below) ---
    # Leo's essay ("Essay quiz") and his hazard report wait for a grader: the course's staff
    # (Irene) and admins ("courses.manage") grade and release them; the queue lists only the
    # courses one staffs. The score, rubric levels and feedback typed are the caller's own view
    # until saved through the grading service.
    **{f"GradingState.{name}": HandlerRow({INSTRUCTOR, ADMIN}, "/teach/grading", args)
       for name, args in (("load_queue", lambda ids: ()), ("set_course_filter", lambda ids: (str(ids["course"]),)),
                          ("set_kind_filter", lambda ids: ("quiz",)), ("set_status_filter", lambda ids: ("to_release",)),
                          ("set_search", lambda ids: ("leo",)), ("go_to_page", lambda ids: (1,)))},
    "GradingState.release_selected": HandlerRow({INSTRUCTOR, ADMIN}, "/teach/grading", given=lambda ids: {
        "selected": [f"quiz:{ids['grading_answer']}", f"assignment:{ids['submission']}"]}),
    **{f"GradingState.{name}": HandlerRow({INSTRUCTOR, ADMIN}, "/teach/grading/quiz/{grading_answer}",
                                          given=lambda ids: {"points_input": "3", "feedback": "Clear and right."})
       for name in ("load_item", "save_draft", "save_and_next", "release_item")},
    "GradingState.toggle": HandlerRow(EVERYONE, "/teach/grading", lambda ids: (f"quiz:{ids['grading_answer']}", True), ui_only=True),
    "GradingState.toggle_all": HandlerRow(EVERYONE, "/teach/grading", lambda ids: (True,), ui_only=True),
    **{f"GradingState.{name}": HandlerRow(EVERYONE, "/teach/grading/quiz/{grading_answer}", args, ui_only=True)
       for name, args in (("choose_rubric", lambda ids: (str(ids["rubric"]),)), ("pick_level", lambda ids: (0, "1")),
                          ("set_points", lambda ids: ("3",)), ("set_feedback", lambda ids: ("Good.",)),
                          ("set_feedback_tab", lambda ids: ("preview",)), ("set_reason", lambda ids: ("Recounted.",)))},
    # The course's rubrics: its staff (Irene) and admins; the editor's draft is the caller's own.
    **{f"RubricsState.{name}": HandlerRow({INSTRUCTOR, ADMIN}, "/teach/courses/{course}/rubrics", args, given=given)
       for name, args, given in (
           ("load", lambda ids: (), lambda ids: {}), ("open_new", lambda ids: (), lambda ids: {}),
           ("open_edit", lambda ids: (str(ids["rubric"]),), lambda ids: {}),
           ("save", lambda ids: (), lambda ids: {"_draft": {"title": "Lab report", "criteria": [{"name": "Method", "levels": [
               {"label": "Weak", "points": "0", "description": ""}, {"label": "Strong", "points": "2", "description": ""}]}]}, "rubric_id": ""}),
           ("delete", lambda ids: (), lambda ids: {"delete_id": str(ids["rubric"])}))},
    **{f"RubricsState.{name}": HandlerRow(EVERYONE, "/teach/courses/{course}/rubrics", args, ui_only=True, given=lambda ids: {
        "_draft": {"title": "Lab", "criteria": [{"name": "Method", "levels": [{"label": "Weak", "points": "0", "description": ""},
                                                                             {"label": "Strong", "points": "2", "description": ""}]}]}})
       for name, args in (("set_editor_open", lambda ids: (True,)), ("set_title", lambda ids: ("Lab",)),
                          ("set_criterion_name", lambda ids: (0, "Method")), ("set_level", lambda ids: (0, 0, "label", "Poor")),
                          ("add_criterion", lambda ids: ()), ("remove_criterion", lambda ids: (0,)), ("add_level", lambda ids: (0,)),
                          ("remove_level", lambda ids: (0, 0)), ("ask_delete", lambda ids: (str(ids["rubric"]), "Essay rubric")),
                          ("set_delete_open", lambda ids: (True,)))},
    # After saving a question attempts used: regrading goes through the grading service.
    "QuestionEditorState.regrade": HandlerRow({INSTRUCTOR, ADMIN}, "/teach/courses/{course}/questions", given=lambda ids: {"question_id": str(ids["question"])}),
    "QuestionEditorState.set_regrade_open": HandlerRow(EVERYONE, "/teach/courses/{course}/questions", lambda ids: (True,), ui_only=True),
    # --- courses: catalog and my learning (rows below) ---
    "MyLearningState.load": HandlerRow(SIGNED_IN, "/learn"),
    **{f"CatalogState.{name}": HandlerRow(SIGNED_IN, "/catalog") for name in ("load", "clear_filters")},
    "CatalogState.set_query": HandlerRow(SIGNED_IN, "/catalog", lambda ids: ("warehouse",)),
    "CatalogState.set_category": HandlerRow(SIGNED_IN, "/catalog", lambda ids: ("Safety",)),
    "CatalogState.set_language": HandlerRow(SIGNED_IN, "/catalog", lambda ids: ("en",)),
    "CatalogState.set_duration": HandlerRow(SIGNED_IN, "/catalog", lambda ids: ("medium",)),
    "CatalogState.set_sort": HandlerRow(SIGNED_IN, "/catalog", lambda ids: ("newest",)),
    "CatalogState.go_to_page": HandlerRow(SIGNED_IN, "/catalog", lambda ids: (2,)),
    "CourseDetailState.load": HandlerRow(SIGNED_IN, "/catalog/{course}"),
    # Leo has a run already (returned as is); the others, able to take courses, join.
    "CourseDetailState.enroll": HandlerRow(SIGNED_IN, "/catalog/{course}", lambda ids: ({"key": ""},)),
    # --- courses: player (rows below) ---
    # The run and the lesson are resolved on the server from the URL. Opening the player is
    # allowed to anyone who takes courses (someone not enrolled reads why and where to enroll);
    # what records progress is refused to everyone but Leo, the one enrolled.
    "PlayerState.resume": HandlerRow(SIGNED_IN, "/learn/courses/{course}"),
    "PlayerState.load": HandlerRow(SIGNED_IN, "/learn/courses/{course}/{lesson}"),
    **{f"PlayerState.{name}": HandlerRow({LEARNER}, "/learn/courses/{course}/{lesson}") for name in ("reached_end", "mark_done")},
    "PlayerState.heartbeat": HandlerRow({LEARNER}, "/learn/courses/{course}/{lesson}", lambda ids: ({"lesson": str(ids["lesson"]), "seconds": 30},)),
    "PlayerState.report_watch": HandlerRow({LEARNER}, "/learn/courses/{course}/{lesson}", lambda ids: ({"lesson": str(ids["lesson"]), "ranges": [[0, 10]]},)),
    # --- courses: announcements (rows below) ---
    # Irene teaches the world's course (one announcement posted); admins manage every course.
    "CourseAnnouncementsState.load": HandlerRow({INSTRUCTOR, ADMIN}, "/teach/courses/{course}/announcements"),
    "CourseAnnouncementsState.post": HandlerRow({INSTRUCTOR, ADMIN}, "/teach/courses/{course}/announcements", lambda ids: ({"title": "Room change", "body": "Room B."},),
                                                given=lambda ids: {"also_email": True}),
    "CourseAnnouncementsState.save_edit": HandlerRow({INSTRUCTOR, ADMIN}, "/teach/courses/{course}/announcements", lambda ids: ({"title": "Welcome!", "body": "Hello."},),
                                                     given=lambda ids: {"target_id": str(ids["announcement"])}),
    "CourseAnnouncementsState.delete": HandlerRow({INSTRUCTOR, ADMIN}, "/teach/courses/{course}/announcements", given=lambda ids: {"target_id": str(ids["announcement"])}),
    **{f"CourseAnnouncementsState.{name}": HandlerRow(EVERYONE, "/teach/courses/{course}/announcements", lambda ids: (str(ids["announcement"]),), ui_only=True)
       for name in ("ask_edit", "ask_delete")},
    **{f"CourseAnnouncementsState.{name}": HandlerRow(EVERYONE, "/teach/courses/{course}/announcements", lambda ids: (True,), ui_only=True)
       for name in ("set_also_email", "set_edit_open", "set_delete_open")},
    **{f"CourseAnnouncementsState.{name}": HandlerRow(EVERYONE, "/teach/courses/{course}/announcements", lambda ids: ("Draft",), ui_only=True)
       for name in ("set_draft_title", "set_draft_body", "set_edit_body")},
    # Reading marks the course's announcements seen: anyone may open the page (Leo and the
    # course's staff read; the others read why not).
    "LearnerAnnouncementsState.load": HandlerRow(SIGNED_IN, "/learn/courses/{course}/announcements"),
    # --- courses: live sessions (rows below) ---
    # Leo holds a seat at the world's live session; only those the lesson is open to may sign up.
    "PlayerState.sign_up": HandlerRow({LEARNER}, "/learn/courses/{course}/{live_lesson}"),
    # Anyone signed in may cancel their own place: the others have none to cancel.
    "PlayerState.cancel_seat": HandlerRow(SIGNED_IN, "/learn/courses/{course}/{live_lesson}"),
    **{f"SessionAttendanceState.{name}": HandlerRow({INSTRUCTOR, ADMIN}, "/teach/courses/{course}/sessions/{live_lesson}") for name in ("load", "export_csv")},
    "SessionAttendanceState.mark": HandlerRow({INSTRUCTOR, ADMIN}, "/teach/courses/{course}/sessions/{live_lesson}", lambda ids: (str(ids["learner"]), "attended")),
    # --- assessments: quiz authoring (rows below) ---
    # The world's quiz (Leo took it once; he has an override). The editor sits in the course
    # editor: reading the banks and saving are for those who teach (saving: its instructors);
    # editing the draft changes nothing else.
    "QuizEditorState.load": HandlerRow({INSTRUCTOR, ADMIN}, "/teach/courses/{course}", lambda ids: (str(ids["quiz"]),)),
    "QuizEditorState.discard": HandlerRow({INSTRUCTOR, ADMIN}, "/teach/courses/{course}", given=lambda ids: {"lesson_id": str(ids["quiz"])}),
    "QuizEditorState.save": HandlerRow({INSTRUCTOR, ADMIN}, "/teach/courses/{course}", given=lambda ids: {
        "lesson_id": str(ids["quiz"]), "_items": [{"question_id": ids["question"]}], "time_limit": "15"}),
    "QuizEditorState.add_question": HandlerRow({INSTRUCTOR, ADMIN}, "/teach/courses/{course}", lambda ids: (str(ids["question"]),)),
    "QuizEditorState.add_draw": HandlerRow({INSTRUCTOR, ADMIN}, "/teach/courses/{course}", given=lambda ids: {"draw_category": str(ids["question_category"]), "draw_count": "1"}),
    "QuizEditorState.set_item_count": HandlerRow({INSTRUCTOR, ADMIN}, "/teach/courses/{course}", lambda ids: (0, "1"),
                                                 given=lambda ids: {"_items": [{"category_id": ids["question_category"], "count": 1}], "_details": [{}]}),
    "QuizEditorState.pick_bank_category": HandlerRow({INSTRUCTOR, ADMIN}, "/teach/courses/{course}", lambda ids: (str(ids["question_category"]),)),
    "QuizEditorState.search_bank": HandlerRow({INSTRUCTOR, ADMIN}, "/teach/courses/{course}", lambda ids: ("capital",)),
    "QuizEditorState.set_field": HandlerRow(EVERYONE, "/teach/courses/{course}", lambda ids: ("time_limit", "20"), ui_only=True),
    "QuizEditorState.move_item": HandlerRow(EVERYONE, "/teach/courses/{course}", lambda ids: (0, "down"), ui_only=True),
    "QuizEditorState.remove_item": HandlerRow(EVERYONE, "/teach/courses/{course}", lambda ids: (0,), ui_only=True),
    # The staff attempts page: the course's staff only.
    **{f"QuizAttemptsState.{name}": HandlerRow({INSTRUCTOR, ADMIN}, "/teach/courses/{course}/quizzes/{quiz}") for name in ("load", "new_override")},
    "QuizAttemptsState.set_status_filter": HandlerRow({INSTRUCTOR, ADMIN}, "/teach/courses/{course}/quizzes/{quiz}", lambda ids: ("graded",)),
    "QuizAttemptsState.set_search": HandlerRow({INSTRUCTOR, ADMIN}, "/teach/courses/{course}/quizzes/{quiz}", lambda ids: ("leo",)),
    "QuizAttemptsState.search_people": HandlerRow({INSTRUCTOR, ADMIN}, "/teach/courses/{course}/quizzes/{quiz}", lambda ids: ("leo",)),
    "QuizAttemptsState.edit_override": HandlerRow({INSTRUCTOR, ADMIN}, "/teach/courses/{course}/quizzes/{quiz}", lambda ids: (str(ids["quiz_override"]),)),
    "QuizAttemptsState.save_override": HandlerRow({INSTRUCTOR, ADMIN}, "/teach/courses/{course}/quizzes/{quiz}",
                                                  lambda ids: ({"extra_attempts": "2", "extra_minutes": "10", "opens_at": "", "closes_at": "", "reason": "Sick"},),
                                                  given=lambda ids: {"target_kind": "learner", "target_id": str(ids["learner"]), "target_label": "Leo"}),
    "QuizAttemptsState.delete_override": HandlerRow({INSTRUCTOR, ADMIN}, "/teach/courses/{course}/quizzes/{quiz}", given=lambda ids: {"delete_id": str(ids["quiz_override"])}),
    "QuizAttemptsState.confirm_action": HandlerRow({INSTRUCTOR, ADMIN}, "/teach/courses/{course}/quizzes/{quiz}", lambda ids: ({"reason": "Fire alarm"},),
                                                   given=lambda ids: {"action": "reset", "action_attempt": str(ids["quiz_attempt"]), "action_label": "attempt 1"}),
    **{f"QuizAttemptsState.{name}": HandlerRow(EVERYONE, "/teach/courses/{course}/quizzes/{quiz}", lambda ids: (True,), ui_only=True)
       for name in ("set_override_open", "set_delete_open", "set_action_open")},
    "QuizAttemptsState.pick_target_kind": HandlerRow(EVERYONE, "/teach/courses/{course}/quizzes/{quiz}", lambda ids: ("group",), ui_only=True),
    **{f"QuizAttemptsState.{name}": HandlerRow(EVERYONE, "/teach/courses/{course}/quizzes/{quiz}", lambda ids: (str(ids["learner"]),), ui_only=True)
       for name in ("pick_person", "pick_group", "ask_delete_override")},
    "QuizAttemptsState.ask_action": HandlerRow(EVERYONE, "/teach/courses/{course}/quizzes/{quiz}", lambda ids: ("reset", str(ids["quiz_attempt"])), ui_only=True),
    # --- learning paths and training elsewhere (rows below) ---
    # Paths are Irene's and the admins' (paths.manage); the world's path holds the world's
    # course, Leo on it (so deleting it is refused with a reason, not denied).
    "LearningPathsState.load": HandlerRow({INSTRUCTOR, ADMIN}, "/teach/paths"),
    "LearningPathsState.create": HandlerRow({INSTRUCTOR, ADMIN}, "/teach/paths", lambda ids: ({"title": "Winter onboarding", "description": ""},)),
    "LearningPathsState.set_create_open": HandlerRow(EVERYONE, "/teach/paths", lambda ids: (True,), ui_only=True),
    **{f"PathEditorState.{name}": HandlerRow({INSTRUCTOR, ADMIN}, "/teach/paths/{path}", args) for name, args in (
        ("load", lambda ids: ()), ("delete", lambda ids: ()), ("search_people", lambda ids: ("maya",)),
        ("save", lambda ids: ({"title": "Onboarding", "rule": "all", "required_count": "", "certificate_months": "12"},)),
        ("add_course", lambda ids: ({"course": str(ids["path_spare_course"])},)), ("remove_course", lambda ids: (str(ids["course"]),)),
        ("move_course", lambda ids: (str(ids["course"]), "down")), ("assign_person", lambda ids: (str(ids["manager"]),)),
        ("assign_group", lambda ids: ({"group": str(ids["group"])},)), ("assign_department", lambda ids: ({"department": str(ids["department"])},)))},
    "PathEditorState.pick_rule": HandlerRow(EVERYONE, "/teach/paths/{path}", lambda ids: ("count",), ui_only=True),
    "PathEditorState.set_delete_open": HandlerRow(EVERYONE, "/teach/paths/{path}", lambda ids: (True,), ui_only=True),
    "MyPathsState.load": HandlerRow(SIGNED_IN, "/learn/paths"),
    # Anyone who takes courses records their own training; the draft is the caller's own.
    "MyExternalTrainingState.load": HandlerRow(SIGNED_IN, "/learn/external"),
    "MyExternalTrainingState.record": HandlerRow(SIGNED_IN, "/learn/external", lambda ids: ([rx.UploadFile(io.BytesIO(PDF), path=Path("certificate.pdf"))],),
                                                 given=lambda ids: {"draft": EXTERNAL_DRAFT}),
    **{f"{state}.{name}": HandlerRow(EVERYONE, path, args, ui_only=True) for state, path in (
        ("MyExternalTrainingState", "/learn/external"), ("ExternalReviewState", "/teams/external-training")) for name, args in (
        ("set_form_open", lambda ids: (True,)), ("set_draft", lambda ids: ("title", "First aid")))},
    # The review queue: Leo's pending record is for Maya (his manager) and the admins.
    **{f"ExternalReviewState.{name}": HandlerRow({MANAGER, ADMIN}, "/teams/external-training", args, given=given) for name, args, given in (
        ("load", lambda ids: (), lambda ids: {}), ("set_tab", lambda ids: ("approved",), lambda ids: {}),
        ("approve", lambda ids: (str(ids["external_training"]),), lambda ids: {}),
        ("reject", lambda ids: ({"note": "The certificate is not signed."},), lambda ids: {"reject_id": str(ids["external_training"])}),
        ("open_record_for", lambda ids: (), lambda ids: {}), ("search_people", lambda ids: ("leo",), lambda ids: {}),
        ("pick_person", lambda ids: (str(ids["learner"]),), lambda ids: {"person_query": "leo"}))},
    "ExternalReviewState.ask_reject": HandlerRow(EVERYONE, "/teams/external-training", lambda ids: (str(ids["external_training"]),), ui_only=True),
    "ExternalReviewState.set_reject_open": HandlerRow(EVERYONE, "/teams/external-training", lambda ids: (True,), ui_only=True),
    # Recording for Leo (as picking him leaves the form): his manager and the admins.
    "ExternalReviewState.record": HandlerRow({MANAGER, ADMIN}, "/teams/external-training",
                                             lambda ids: ([rx.UploadFile(io.BytesIO(PDF), path=Path("certificate.pdf"))],),
                                             given=lambda ids: {"draft": EXTERNAL_DRAFT, "_for_user": ids["learner"]}),
    # --- privacy (rows below) ---
    # Leo is still active: the admin is told to deactivate him first (allowed, nothing changes).
    "AdminUserState.anonymize": HandlerRow({ADMIN}, "/admin/users/{learner}", lambda ids: ({"confirm_email": "leo@example.com"},)),
    "AdminUserState.set_anonymize_open": HandlerRow(EVERYONE, "/admin/users/{learner}", lambda ids: (True,), ui_only=True),
    # --- audit coverage (rows below) ---
    "AdminAuditState.set_person_as": HandlerRow({ADMIN}, "/admin/audit", lambda ids: ("target",)),
    # --- certificates (rows below) ---
    # Leo's certificate of the world's course: the template and the issued list are the
    # admins' (certificates.manage); the dialogs' fields are the caller's own view.
    "LearnerCertificatesState.load": HandlerRow(SIGNED_IN, "/learn/certificates"),
    **{f"AdminCertificatesState.{name}": HandlerRow({ADMIN}, "/admin/certificates", args, given=given) for name, args, given in (
        ("load", lambda ids: (), lambda ids: {}), ("discard_changes", lambda ids: (), lambda ids: {}),
        ("edit_template", lambda ids: ("heading", "Award of merit"), lambda ids: {"body": "{learner}"}),
        ("save_template", lambda ids: (), lambda ids: {"heading": "Award of merit", "body": "{learner} did {course}"}),
        ("set_search", lambda ids: ("leo",), lambda ids: {}), ("set_status_filter", lambda ids: ("valid",), lambda ids: {}),
        ("clear_filters", lambda ids: (), lambda ids: {}), ("go_to_page", lambda ids: (1,), lambda ids: {}),
        ("revoke", lambda ids: ({"reason": "Issued by mistake"},), lambda ids: {"target_id": str(ids["certificate"])}),
        ("reissue", lambda ids: (), lambda ids: {"target_id": str(ids["certificate"])}))},
    **{f"AdminCertificatesState.{name}": HandlerRow(EVERYONE, "/admin/certificates", args, ui_only=True) for name, args in (
        ("ask_revoke", lambda ids: (str(ids["certificate"]),)), ("ask_reissue", lambda ids: (str(ids["certificate"]),)),
        ("set_revoke_open", lambda ids: (True,)), ("set_reissue_open", lambda ids: (True,)))},
    "VerifyState.load": HandlerRow(EVERYONE, "/verify/{certificate_code}"),
    # --- required training (rows below) ---
    # The world's requirement: the group Store leads (which Maya manages) must take "Manual
    # handling"; the list and its form on the team's address (managers for their team, admins),
    # one requirement's people on the admin's address (admins only).
    **{f"RequirementsState.{name}": HandlerRow({MANAGER, ADMIN}, "/teams/requirements", args, given=given) for name, args, given in (
        ("load", lambda ids: (), lambda ids: {}), ("set_show_retired", lambda ids: (True,), lambda ids: {}),
        ("open_new", lambda ids: (), lambda ids: {}), ("open_edit", lambda ids: (str(ids["requirement"]),), lambda ids: {}),
        ("search_people", lambda ids: ("leo",), lambda ids: {}),
        ("save", lambda ids: ({"course": str(ids["requirement_course"]), "group": str(ids["group"]), "due_days": "30", "reminder_days": "7"},),
         lambda ids: {"form_kind": "course", "form_audience": "group", "form_due_mode": "after_assignment"}))},
    **{f"RequirementsState.{name}": HandlerRow(EVERYONE, "/teams/requirements", args, ui_only=True) for name, args in (
        ("set_form_open", lambda ids: (True,)), ("pick_kind", lambda ids: ("path",)), ("pick_audience", lambda ids: ("group",)),
        ("pick_due_mode", lambda ids: ("fixed",)), ("pick_person", lambda ids: (str(ids["learner"]),)))},
    **{f"RequirementPeopleState.{name}": HandlerRow({ADMIN}, "/admin/requirements/{requirement}", args, given=given) for name, args, given in (
        ("load", lambda ids: (), lambda ids: {}), ("refresh", lambda ids: (), lambda ids: {"current_id": str(ids["requirement"])}),
        ("set_status", lambda ids: ("overdue",), lambda ids: {}), ("set_search", lambda ids: ("ben",), lambda ids: {}),
        ("go_to_page", lambda ids: (1,), lambda ids: {}), ("export", lambda ids: ("csv",), lambda ids: {}),
        ("exempt", lambda ids: ({"reason": "Long-term sick leave"},), lambda ids: {"exempt_id": str(ids["requirement_assignment"])}),
        ("remove_exemption", lambda ids: (str(ids["requirement_assignment"]),), lambda ids: {}), ("retire", lambda ids: (), lambda ids: {}))},
    **{f"RequirementPeopleState.{name}": HandlerRow(EVERYONE, "/admin/requirements/{requirement}", args, ui_only=True) for name, args in (
        ("ask_exempt", lambda ids: (str(ids["requirement_assignment"]),)), ("set_exempt_open", lambda ids: (True,)),
        ("set_retire_open", lambda ids: (True,)))},
    # --- reminders and notifications (rows below) ---
    # One's own notifications and settings: anyone signed in (another person's notification
    # reads "does not exist"). The bell counts nothing for a visitor who is signed out.
    "NotificationBellState.count": HandlerRow(EVERYONE, "/notifications"),
    **{f"NotificationsState.{name}": HandlerRow(SIGNED_IN, "/notifications", args) for name, args in (
        ("load", lambda ids: ()), ("mark_read", lambda ids: ("1",)), ("open_item", lambda ids: ("1",)),
        ("mark_all_read", lambda ids: ()), ("set_email", lambda ids: ("manager_digest", "off")))},
}

# --- API routes: (method, path) -> who may call it (public routes answer everyone) -----------------
API_ROWS: dict[tuple[str, str], set[str]] = {
    ("POST", "/auth/login"): EVERYONE,
    ("POST", "/auth/logout"): EVERYONE,
    ("POST", "/auth/register"): EVERYONE,
    ("POST", "/auth/invite/accept"): EVERYONE,
    ("POST", "/auth/reset/request"): EVERYONE,
    ("POST", "/auth/reset/confirm"): EVERYONE,
    # Which worker answered (for the scale-out checks): no data.
    ("GET", "/_lms/worker"): EVERYONE,
    # --- courses: lesson files ---
    # The world's file lesson: Leo (enrolled, lesson open) and the course's staff (Irene, admins).
    ("GET", "/files/lessons/{lesson_id}"): {LEARNER, INSTRUCTOR, ADMIN},
    # An image of the world's first (open) text lesson: like the lesson files.
    ("GET", "/files/lessons/{lesson_id}/images/{image_id}"): {LEARNER, INSTRUCTOR, ADMIN},
    # The world's course is published: its cover shows to everyone signed in.
    ("GET", "/files/courses/{course_id}/cover"): SIGNED_IN,
    # The organization's logo, in every signed-in page's header.
    ("GET", "/files/org/logo"): SIGNED_IN,
    # --- courses: export and import (rows below) ---
    # The world's course: exported by those who may change it (Irene, admins).
    ("GET", "/files/courses/{course_id}/export"): {INSTRUCTOR, ADMIN},
    # --- courses: live sessions (rows below) ---
    # The world's live session's calendar file: Leo (enrolled, lesson open) and the course's staff.
    ("GET", "/calendar/lessons/{session_lesson_id}.ics"): {LEARNER, INSTRUCTOR, ADMIN},
    # --- assessments: quiz player (rows below) ---
    # The file Leo handed in as an answer in his open attempt: Leo and the course's staff.
    ("GET", "/files/quiz-answers/{attempt_id}/{position}"): {LEARNER, INSTRUCTOR, ADMIN},
    # --- assessments: assignments (rows below) ---
    # The PDF Leo handed in for the world's assignment: Leo and the course's staff (Irene, admins).
    ("GET", "/files/submissions/{submission_id}/{index}"): {LEARNER, INSTRUCTOR, ADMIN},
    # --- learning paths and training elsewhere (rows below) ---
    # The evidence of Leo's record: Leo, his manager (Maya) and the admins (compliance.manage).
    ("GET", "/files/external-training/{training_id}"): {LEARNER, MANAGER, ADMIN},
    # --- privacy (rows below) ---
    # One's own archive: anyone signed in. Leo's archive: Leo and those who manage users.
    ("GET", "/privacy/export"): SIGNED_IN,
    ("GET", "/privacy/export/{user_id}"): {LEARNER, ADMIN},
    # --- certificates (rows below) ---
    # Leo's certificate: Leo, his manager (Maya) and the admins (certificates.manage).
    ("GET", "/certificates/{certificate_id}.pdf"): {LEARNER, MANAGER, ADMIN},
    # --- reminders and notifications (rows below) ---
    # The unsubscribe link: the signed token in it is the proof, not the sign-in cookie.
    ("GET", "/unsubscribe"): EVERYONE,
    ("POST", "/unsubscribe"): EVERYONE,
    # --- SCORM ---
    # The world's package is played by Leo (enrolled) only; its files are read like the lesson's.
    ("GET", "/scorm/launch/{lesson_id}"): {LEARNER},
    ("POST", "/scorm/commit/{attempt_id}"): {LEARNER},
    ("GET", "/scorm/content/{package_id}/{path}"): {LEARNER, INSTRUCTOR, ADMIN},
    # --- two-factor sign-in: the code step is public (its ticket is the proof); enrolment is one's own ---
    ("POST", "/auth/2fa/verify"): EVERYONE,
    **{("GET" if path == "/auth/2fa/status" else "POST", path): SIGNED_IN
       for path in ("/auth/2fa/status", "/auth/2fa/enrol/start", "/auth/2fa/enrol/confirm", "/auth/2fa/disable", "/auth/2fa/recovery-codes")},
    # --- sign in as: admins only; returning answers everyone alike when no one is signed in as someone ---
    ("POST", "/auth/impersonate/{user_id}"): {ADMIN},
    ("POST", "/auth/impersonate/stop"): EVERYONE,
    # --- health: for load balancers and monitoring, the same answer for everyone ---
    ("GET", "/healthz"): EVERYONE,
    ("GET", "/readyz"): EVERYONE,
}
# --- xAPI: the LRS answers HTTP Basic clients (tests/api/test_xapi_*), never a sign-in cookie;
# its About resource is public.
API_ROWS.update({(method, path): (EVERYONE if path == "/xapi/about" else set())
                 for path, ops in build_api().openapi()["paths"].items() if path.startswith("/xapi") for method in map(str.upper, ops)})
# The world's ids the API paths' parameters stand for.
API_PATH_IDS = {"lesson_id": "file_lesson", "course_id": "course", "session_lesson_id": "live_lesson"}
# Where a route's parameter stands for another of the world's ids.
API_PATH_IDS_OF_ROUTE = {"/files/lessons/{lesson_id}/images/{image_id}": {"lesson_id": "lesson", "image_id": "image"},
                         "/files/quiz-answers/{attempt_id}/{position}": {"attempt_id": "player_attempt", "position": "player_file_position"}}
# --- assessments: assignments ---
API_PATH_IDS_OF_ROUTE["/files/submissions/{submission_id}/{index}"] = {"submission_id": "submission", "index": "submission_index"}
# --- privacy ---
API_PATH_IDS_OF_ROUTE["/privacy/export/{user_id}"] = {"user_id": "learner"}
# --- learning paths and training elsewhere ---
API_PATH_IDS_OF_ROUTE["/files/external-training/{training_id}"] = {"training_id": "external_training"}
# --- certificates ---
API_PATH_IDS_OF_ROUTE["/certificates/{certificate_id}.pdf"] = {"certificate_id": "certificate"}
# --- sign in as ---
API_PATH_IDS_OF_ROUTE["/auth/impersonate/{user_id}"] = {"user_id": "learner"}
# --- SCORM ---
API_PATH_IDS_OF_ROUTE["/scorm/launch/{lesson_id}"] = {"lesson_id": "scorm_lesson"}
API_PATH_IDS_OF_ROUTE["/scorm/commit/{attempt_id}"] = {"attempt_id": "scorm_attempt"}
API_PATH_IDS_OF_ROUTE["/scorm/content/{package_id}/{path}"] = {"package_id": "scorm_package", "path": "scorm_path"}


def _app_states() -> list[type[rx.State]]:
    found, stack = [], list(rx.State.get_substates())
    while stack:
        cls = stack.pop()
        if cls.__module__.startswith("lms_app."):
            found.append(cls)
        stack.extend(cls.get_substates())
    return found


def _discovered_handlers() -> set[str]:
    return {f"{cls.__name__}.{name}" for cls in _app_states() for name in cls.event_handlers if name != "setvar"}


def _api_routes() -> set[tuple[str, str]]:
    # Every route is in the schema (none is declared with include_in_schema=False).
    return {(method.upper(), path) for path, ops in build_api().openapi()["paths"].items() for method in ops}


def test_every_entry_point_has_a_row():
    assert set(PAGES) == set(PAGE_ROWS), "pages without a row (or rows without a page)"
    assert _discovered_handlers() == set(HANDLER_ROWS), "state handlers without a row (or rows without a handler)"
    assert _api_routes() == set(API_ROWS), "API routes without a row (or rows without a route)"


def test_setvar_cannot_set_fields_without_an_explicit_setter():
    browser = Browser()
    with pytest.raises(AttributeError):
        AuthState.setvar.fn(browser.state(AuthState), "permissions", ["users.manage"])


# --- the database before and after ------------------------------------------------------------
# A login session's "last seen" is refreshed by any signed-in call, allowed or not.
_ALWAYS_WRITTEN = re.compile(r"^\s*UPDATE loginsession SET last_seen_at", re.IGNORECASE)


@contextmanager
def _writes(engine):
    """The INSERT/UPDATE/DELETE statements sent while the block runs, even those rolled back:
    a denied call must be stopped before it writes, not only undone by a later check."""
    sent: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip()[:6].upper() in ("INSERT", "UPDATE", "DELETE") and not _ALWAYS_WRITTEN.match(statement):
            sent.append(" ".join(statement.split())[:120])

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        event.remove(engine, "before_cursor_execute", record)


def _snapshot(engine) -> dict[str, list]:
    with engine.connect() as conn:
        return {t.name: sorted(map(repr, conn.execute(t.select()).all())) for t in SQLModel.metadata.sorted_tables if t.name != "loginsession"} | {
            "loginsession": sorted(map(repr, conn.execute(text("select id, revoked_at from loginsession")).all()))
        }


# The world is built once per test database, then its rows and private files are put back
# before each test (building it takes seconds; the matrix has hundreds of rows).
_world_copy: dict = {}


@pytest.fixture
def world(demo, engine, actor_of, database_url):
    """Signed-in tokens per role, plus the ids the rows need: a second session of the learner's,
    a pending registration, an open invitation, a custom role, a group with a member and a
    manager, a department with a manager."""
    if _world_copy.get("database") == database_url:
        _restore_rows(engine, _world_copy["rows"])
        shutil.rmtree(settings.PRIVATE_DIR, ignore_errors=True)
        shutil.copytree(_world_copy["files"], settings.PRIVATE_DIR)
        return copy.deepcopy(_world_copy["world"])
    built = _build_world(engine, actor_of)
    with engine.connect() as conn:
        rows = {t.name: [dict(r._mapping) for r in conn.execute(t.select())] for t in SQLModel.metadata.sorted_tables}
    files = Path(tempfile.mkdtemp(prefix="lms-matrix-world-")) / "private"
    shutil.copytree(settings.PRIVATE_DIR, files) if settings.PRIVATE_DIR.exists() else files.mkdir(parents=True)
    _world_copy.update(database=database_url, rows=rows, files=files, world=copy.deepcopy(built))
    return built


def _build_world(engine, actor_of) -> dict:
    tokens: dict[str, str | None] = {ANON: None}
    admin = actor_of(LOGINS[ADMIN])
    with db.session_scope() as s:
        for role, email in LOGINS.items():
            tokens[role] = auth.login(s, email, DEMO_PASSWORD, ip="198.51.100.1").token
        people = {u.email: u for u in s.exec(select(User)).all()}
        leo, maya = people[LOGINS[LEARNER]], people[LOGINS[MANAGER]]
        second = auth.open_session(s, leo, ip="198.51.100.9", user_agent="Firefox on Linux")
        pending = User(org_id=leo.org_id, email="walk.in@example.com", name="Walk In", password_hash="x", pending_approval=True)
        s.add(pending)
        invited = users.invite_user(s, admin, "invited.person@example.com", "Invited Person", ["learner"])
        custom = roles.create_role(s, admin, "Auditor", "Reads reports", ["reports.export"])
        group = s.exec(select(Group).where(Group.name == "Store leads")).one()
        department = s.exec(select(Department).where(Department.name == "Retail Stores")).one()
        member = s.exec(select(GroupMember.user_id).where(GroupMember.group_id == group.id)).first()
        groups.add_group_manager(s, admin, group.id, maya.id)
        groups.add_department_manager(s, admin, department.id, maya.id)
        role_ids = {r.name: r.id for r in s.exec(select(Role).where(Role.org_id == leo.org_id)).all()}
        course_ids = build_course(s, actor_of(LOGINS[INSTRUCTOR]), actor_of(LOGINS[LEARNER]))
        handout = courses.add_lesson(s, actor_of(LOGINS[INSTRUCTOR]), course_ids["module"], "Handout", "file")
        files.store_lesson_file(s, actor_of(LOGINS[INSTRUCTOR]), handout.id, io.BytesIO(PDF), "handout.pdf")
        course_ids["file_lesson"] = handout.id
        # --- courses: announcements: one posted by Irene ---
        from lms_app.services import announcements

        course_ids["announcement"] = announcements.post(s, actor_of(LOGINS[INSTRUCTOR]), course_ids["course"], "Welcome", "Start with the basics.").announcement.id
        # --- courses: live sessions: a session in a month, Leo holding a seat ---
        from datetime import timedelta

        from lms_app.models import utcnow
        from lms_app.services import live_sessions

        clinic = courses.add_lesson(s, actor_of(LOGINS[INSTRUCTOR]), course_ids["module"], "Lifting clinic", "live_session",
                                    {"starts_at": (utcnow() + timedelta(days=30)).isoformat(), "location": "Store 12", "capacity": 5})
        live_sessions.sign_up(s, actor_of(LOGINS[LEARNER]), clinic.id)
        course_ids["live_lesson"] = clinic.id
        files.store_cover(s, actor_of(LOGINS[INSTRUCTOR]), course_ids["course"], io.BytesIO(PNG))
        image = files.store_lesson_image(s, actor_of(LOGINS[INSTRUCTOR]), course_ids["lesson"], io.BytesIO(PNG), "lift.png")
        course_ids["image"] = image.rsplit("/", 1)[-1].rstrip(")")
        courses.add_staff(s, actor_of(LOGINS[INSTRUCTOR]), course_ids["course"], people["isaac@example.com"].id, "assistant")
        course_ids["assistant"] = people["isaac@example.com"].id
        capitals = question_bank.create_category(s, actor_of(LOGINS[INSTRUCTOR]), "Capitals", course_id=course_ids["course"])
        course_ids["question_category"] = capitals.id
        course_ids["question"] = question_bank.save_question(s, actor_of(LOGINS[INSTRUCTOR]), capitals.id, Question(
            "single", "Capital of France", "Which city?", choices=[Choice("Paris", 1.0), Choice("Lyon", 0.0)])).id
        # --- assessments: quiz authoring: a quiz Leo took once, an extra attempt for him ---
        from lms_app.services import overrides, quizzes

        quiz = courses.add_lesson(s, actor_of(LOGINS[INSTRUCTOR]), course_ids["module"], "Capitals quiz", "quiz",
                                  {"questions": [{"question_id": course_ids["question"]}]})
        quiz_attempt = quizzes.start_attempt(s, actor_of(LOGINS[LEARNER]), quiz.id)
        quizzes.submit(s, actor_of(LOGINS[LEARNER]), quiz_attempt.id)
        course_ids["quiz"], course_ids["quiz_attempt"] = quiz.id, quiz_attempt.id
        course_ids["quiz_override"] = overrides.save_override(s, actor_of(LOGINS[INSTRUCTOR]), quiz.id, user_id=leo.id, extra_attempts=1, reason="Sick").id
        # --- assessments: quiz player: a quiz, Leo's attempt open with one answer saved ---
        from tests.state.course_world import add_quiz

        course_ids["player_quiz"] = add_quiz(s, actor_of(LOGINS[INSTRUCTOR]), course_ids["course"], course_ids["module"], file=True,
                                             required=False)["quiz"]
        open_attempt = quizzes.start_attempt(s, actor_of(LOGINS[LEARNER]), course_ids["player_quiz"])
        quizzes.save_answer(s, actor_of(LOGINS[LEARNER]), open_attempt.id, 2, "Rome")
        quizzes.save_file_answer(s, actor_of(LOGINS[LEARNER]), open_attempt.id, 3, io.BytesIO(PDF), "plan.pdf")
        course_ids["player_attempt"], course_ids["player_file_position"] = open_attempt.id, 3
        # --- assessments: assignments: Leo handed in a PDF and has an extension ---
        from lms_app.services import assignments

        hazard = courses.add_lesson(s, actor_of(LOGINS[INSTRUCTOR]), course_ids["module"], "Hazard report", "assignment",
                                    {"instructions": "Report one hazard.", "due_at": (utcnow() + timedelta(days=7)).isoformat()}, required=False)
        course_ids["assignment"] = hazard.id
        handed = assignments.submit(s, actor_of(LOGINS[LEARNER]), hazard.id, "A wet floor.", [(io.BytesIO(PDF), "report.pdf")])
        course_ids["submission"], course_ids["submission_index"] = handed.submission_id, 0
        course_ids["extension"] = assignments.grant_extension(s, actor_of(LOGINS[INSTRUCTOR]), hazard.id, leo.id,
                                                              utcnow() + timedelta(days=9), None, "Was ill").id
        # --- assessments: gradebook: a manual item and a category in the world's course ---
        from lms_app.services import gradebook

        course_ids["grade_item"] = gradebook.save_item(s, actor_of(LOGINS[INSTRUCTOR]), course_ids["course"], None, title="Participation", max_points=10).id
        course_ids["grade_category"] = gradebook.save_category(s, actor_of(LOGINS[INSTRUCTOR]), course_ids["course"], None, "Quizzes", 40, 0).id
        # --- assessments: grading: an essay Leo handed in, a rubric of the course ---
        from lms_app.models import AttemptAnswer
        from lms_app.services import rubrics

        essays = question_bank.create_category(s, actor_of(LOGINS[INSTRUCTOR]), "Essays", course_id=course_ids["course"])
        why = question_bank.save_question(s, actor_of(LOGINS[INSTRUCTOR]), essays.id, Question("essay", "Why Paris", "Why is Paris the capital?", points=4))
        essay_quiz = courses.add_lesson(s, actor_of(LOGINS[INSTRUCTOR]), course_ids["module"], "Essay quiz", "quiz", {"questions": [{"question_id": why.id}]})
        essay_attempt = quizzes.start_attempt(s, actor_of(LOGINS[LEARNER]), essay_quiz.id)
        quizzes.save_answer(s, actor_of(LOGINS[LEARNER]), essay_attempt.id, 1, "It is where the government sits.")
        quizzes.submit(s, actor_of(LOGINS[LEARNER]), essay_attempt.id)
        course_ids["grading_answer"] = s.exec(select(AttemptAnswer.id).where(AttemptAnswer.attempt_id == essay_attempt.id)).one()
        course_ids["rubric"] = rubrics.save_rubric(s, actor_of(LOGINS[INSTRUCTOR]), course_ids["course"], "Essay rubric", [
            {"name": "Argument", "levels": [{"label": "Weak", "points": 0}, {"label": "Sound", "points": 2}]}]).id
        # --- learning paths and training elsewhere: Irene's path (the world's course, Leo on it),
        # a spare published course, Leo's pending record of training done elsewhere ---
        from lms_app.services import external_training, learning_paths

        path = learning_paths.create_path(s, actor_of(LOGINS[INSTRUCTOR]), "Onboarding")
        learning_paths.add_course(s, actor_of(LOGINS[INSTRUCTOR]), path.id, course_ids["course"])
        learning_paths.assign_path(s, actor_of(LOGINS[INSTRUCTOR]), path.id, user_ids=[leo.id])
        spare = courses.create_course(s, actor_of(LOGINS[INSTRUCTOR]), "Forklift basics")
        spare_module = courses.add_module(s, actor_of(LOGINS[INSTRUCTOR]), spare.id, "Basics")
        courses.add_lesson(s, actor_of(LOGINS[INSTRUCTOR]), spare_module.id, "Read me", "text", {"markdown": "Read me."})
        courses.set_visibility(s, actor_of(LOGINS[INSTRUCTOR]), spare.id, "published")
        course_ids["path"], course_ids["path_spare_course"] = path.id, spare.id
        course_ids["external_training"] = external_training.record(
            s, actor_of(LOGINS[LEARNER]), title="First aid at work", provider="Red Cross", completed_on="2026-01-15", hours="7",
            evidence=(io.BytesIO(PDF), "certificate.pdf")).id
        # --- certificates: Leo's certificate of the world's course ---
        from lms_app.services import certificates

        leo_certificate = certificates.issue(s, user_id=leo.id, course_id=course_ids["course"], valid_months=12)
        course_ids["certificate"], course_ids["certificate_code"] = leo_certificate.id, leo_certificate.code
        # --- required training: the group Store leads must take "Manual handling" ---
        from lms_app.models import RequirementAssignment
        from lms_app.services import requirements

        handling = courses.create_course(s, actor_of(LOGINS[INSTRUCTOR]), "Manual handling")
        handling_module = courses.add_module(s, actor_of(LOGINS[INSTRUCTOR]), handling.id, "Basics")
        courses.add_lesson(s, actor_of(LOGINS[INSTRUCTOR]), handling_module.id, "Lift", "text", {"markdown": "Bend your knees."})
        courses.set_visibility(s, actor_of(LOGINS[INSTRUCTOR]), handling.id, "published")
        required = requirements.create_requirement(s, admin, requirements.RequirementSpec(course_id=handling.id, audience="group", audience_id=group.id))
        course_ids["requirement"], course_ids["requirement_course"] = required.id, handling.id
        course_ids["requirement_assignment"] = s.exec(select(RequirementAssignment.id).where(
            RequirementAssignment.requirement_id == required.id, RequirementAssignment.user_id == member)).one()
        # --- xAPI: a client of the LRS ---
        from lms_app.services import lrs_clients

        course_ids["lrs_client"] = lrs_clients.create_client(s, admin, "Authoring tool", ["statements/write"]).client.id
        # --- settings: the organization's logo ---
        from lms_app.services import org_settings

        org_settings.store_logo(s, admin, io.BytesIO(PNG))
        # --- SCORM: a package in a lesson of the world's course, Leo's attempt launched ---
        from lms_app.services import scorm
        from tests import scorm_packages

        scorm_lesson = courses.add_lesson(s, actor_of(LOGINS[INSTRUCTOR]), course_ids["module"], "Forklift SCO", "scorm", required=False)
        zip_path = scorm_packages.save(scorm12_single_sco(), Path(tempfile.mkdtemp(prefix="lms-matrix-scorm-")))
        course_ids["scorm_package"] = scorm.import_package(s, actor_of(LOGINS[INSTRUCTOR]), scorm_lesson.id, zip_path, "forklift.zip").id
        course_ids["scorm_lesson"], course_ids["scorm_path"] = scorm_lesson.id, "sco/index.html"
        course_ids["scorm_attempt"] = scorm.launch(s, actor_of(LOGINS[LEARNER]), scorm_lesson.id)["attempt"]["id"]
        s.flush()
        ids = {
            "learner": leo.id, "manager": maya.id, "pending": pending.id, "invited": invited.id, "member": member,
            "group": group.id, "group_manager": maya.id, "department": department.id, "dept_manager": maya.id,
            "custom_role": custom.id, "learner_role": role_ids["learner"], "instructor_role": role_ids["instructor"],
            **course_ids,
        }
    with Session(engine) as s:
        ids["learner_session"] = s.exec(select(LoginSession.id).where(LoginSession.token_hash == auth.token_hash(second))).one()
    return {"tokens": tokens, "ids": ids}


def _concrete(route: str) -> str:
    return re.sub(r"\[[^\]]+\]", "x", route)


def _outcome_of_page(result, browser) -> str:
    if browser.state(AuthState).page_status == "denied":
        return "denied"
    target = redirect_target(result)
    if target is not None and target.startswith("/login"):
        return "denied"
    return "allowed"


@pytest.mark.parametrize("route", sorted(PAGE_ROWS))
def test_pages(route, world, engine):
    for role in ROLES:
        browser = Browser(world["tokens"][role], _concrete(route))
        result = browser.call(AuthState, "enter_page")
        expected = "allowed" if role in PAGE_ROWS[route] else "denied"
        assert _outcome_of_page(result, browser) == expected, f"{role} on {route}"


def _outcome_of_handler(result) -> str:
    target = redirect_target(result)
    if target is not None and target.startswith("/login"):
        return "denied"
    if toast_text(result) in DENIED_MESSAGES:
        return "denied"
    return "allowed"


@pytest.mark.parametrize("name", sorted(HANDLER_ROWS))
def test_state_handlers(name, world, engine):
    row = HANDLER_ROWS[name]
    state_name, handler = name.split(".")
    cls = next(c for c in _app_states() if c.__name__ == state_name)
    # Least powerful first, so an allowed change by one role does not hide another's denial.
    for role in ROLES:
        before = _snapshot(engine)
        browser = Browser(world["tokens"][role], row.path.format(**world["ids"]))
        for field_name, value in row.given(world["ids"]).items():
            setattr(browser.state(cls), field_name, value)
        with _writes(engine) as sent:
            result = browser.call(cls, handler, *row.args(world["ids"]))
            if inspect.iscoroutine(result):  # upload handlers are async
                result = asyncio.run(result)
        outcome = _outcome_of_handler(result)
        expected = "allowed" if role in row.allowed else "denied"
        assert outcome == expected, f"{role} calling {name}: {outcome}"
        if outcome == "denied" or row.ui_only:
            assert _snapshot(engine) == before, f"{role} calling {name} changed the database"
            assert not sent, f"{role} calling {name} wrote before it was denied: {sent}"


@pytest.mark.parametrize("method,path", sorted(API_ROWS))
def test_api_routes(method, path, world, engine):
    client = TestClient(build_api())
    allowed = API_ROWS[(method, path)]
    statuses = {}
    for role in ROLES:
        before = _snapshot(engine)
        client.cookies.clear()
        if world["tokens"][role]:
            client.cookies.set(settings.COOKIE_NAME, world["tokens"][role])
        with _writes(engine) as sent:
            ids = {**API_PATH_IDS, **API_PATH_IDS_OF_ROUTE.get(path, {})}
            response = client.request(method, path.format(**{k: world["ids"][v] for k, v in ids.items()}), json={})
        statuses[role] = response.status_code
        assert response.status_code < 500, f"{role} {method} {path}: {response.text}"
        if role not in allowed:
            assert response.status_code in (401, 403), f"{role} {method} {path}: {response.status_code}"
            assert _snapshot(engine) == before, f"{role} {method} {path} changed the database"
            assert not sent, f"{role} {method} {path} wrote before it was denied: {sent}"
        if role in allowed and method == "GET" and allowed != EVERYONE:  # a private read really answers
            assert response.status_code == 200, f"{role} {method} {path}: {response.status_code} {response.text}"
    if allowed == EVERYONE:
        # A public route answers the same whoever asks.
        assert len(set(statuses.values())) == 1, statuses

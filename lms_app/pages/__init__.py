"""Importing this package declares every page (each module registers its own)."""

from lms_app.pages import admin_overview, auth, home, profile, teams  # noqa: F401
from lms_app.pages import admin_audit  # noqa: F401,E402
from lms_app.pages import admin_groups, admin_lrs, admin_roles, admin_settings, admin_users  # noqa: F401,E402
from lms_app.pages import authoring, catalog, player, roster  # noqa: F401,E402
from lms_app.pages import announcements  # noqa: F401,E402
from lms_app.pages import live_sessions  # noqa: F401,E402
from lms_app.pages import question_bank  # noqa: F401,E402
from lms_app.pages import quiz_attempts  # noqa: F401,E402
from lms_app.pages import scorm_attempts  # noqa: F401,E402
from lms_app.pages import grading, rubrics  # noqa: F401,E402
from lms_app.pages import gradebook  # noqa: F401,E402
from lms_app.pages import course_analytics  # noqa: F401,E402
from lms_app.pages import certificates, compliance_report, requirements  # noqa: F401,E402
from lms_app.pages import external_training, learning_paths, notifications  # noqa: F401,E402
from lms_app.pages import two_factor  # noqa: F401,E402

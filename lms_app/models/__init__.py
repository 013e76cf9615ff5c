"""All tables, imported here so SQLModel.metadata (and Alembic) sees every one."""

from lms_app.models.analytics import ActivityEvent
from lms_app.models.assessment import AttemptAnswer, BankQuestion, LessonOverride, QuestionCategory, QuizAttempt, Rubric
from lms_app.models.audit import AuditChainHead, AuditEvent
from lms_app.models.base import utcnow
from lms_app.models.compliance import (
    Certificate,
    CertificateTemplate,
    ExternalTraining,
    LearningPath,
    LearningPathCourse,
    Notification,
    NotificationPreference,
    PathEnrollment,
    Requirement,
    RequirementAssignment,
)
from lms_app.models.catalog import (
    Announcement,
    AnnouncementSeen,
    Course,
    CourseStaff,
    CourseTag,
    Enrollment,
    EnrollmentKeyFailure,
    Lesson,
    LessonPrerequisite,
    LessonProgress,
    LiveSessionSignup,
    Module,
    ModulePrerequisite,
)
from lms_app.models.identity import (
    Department,
    DepartmentManager,
    EmailChange,
    Group,
    GroupManager,
    GroupMember,
    Invitation,
    LoginAttempt,
    LoginSession,
    Organization,
    PasswordReset,
    Permission,
    Role,
    User,
    UserRole,
)
from lms_app.models.grading import GradeCategory, GradeEntry, GradeItem, GradeScheme, Submission
from lms_app.models.jobs import Job, JobRun, OutgoingEmail, RunnerHeartbeat
from lms_app.models.scorm import ScormAttempt, ScormItemState, ScormPackage
from lms_app.models.xapi import LrsClient, XapiActivity, XapiAttachment, XapiDocument, XapiStatement, XapiStatementLink
from lms_app.models.settings import OrgSetting
from lms_app.models.two_factor import TwoFactorEnrolment, TwoFactorRecoveryCode

__all__ = [
    "ScormAttempt", "ScormItemState", "ScormPackage",
    "LrsClient", "XapiActivity", "XapiAttachment", "XapiDocument", "XapiStatement", "XapiStatementLink",
    "Certificate", "CertificateTemplate", "ExternalTraining", "LearningPath", "LearningPathCourse", "Notification",
    "NotificationPreference", "PathEnrollment", "Requirement", "RequirementAssignment",
    "ActivityEvent", "Announcement", "AnnouncementSeen", "AttemptAnswer", "AuditChainHead", "AuditEvent", "BankQuestion", "Course", "CourseStaff", "CourseTag", "Department",
    "GradeCategory", "GradeEntry", "GradeItem", "GradeScheme", "LessonOverride", "Rubric", "Submission",
    "DepartmentManager", "EmailChange", "Enrollment", "EnrollmentKeyFailure", "Group", "GroupManager", "GroupMember", "Invitation", "Job",
    "JobRun", "Lesson", "LessonPrerequisite", "LessonProgress", "LiveSessionSignup", "LoginAttempt", "LoginSession",
    "Module", "ModulePrerequisite", "Organization", "OrgSetting", "OutgoingEmail", "PasswordReset", "Permission", "QuestionCategory",
    "QuizAttempt", "Role", "RunnerHeartbeat", "User", "UserRole", "utcnow",
]

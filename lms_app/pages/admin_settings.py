"""The Settings page: the organization, outgoing email, sign-in, registration, course creation,
two-factor sign-in and backups, each section saved on its own."""

from __future__ import annotations

from collections.abc import Callable

import reflex as rx

from lms_app.components.ui import form_field, page_header, section, static_select, time_zone_select
from lms_app.page_registry import page
from lms_app.state.admin_settings import AdminSettingsState, RoleChoice

S = AdminSettingsState
LOGO_UPLOAD_ID = "logo-upload"
TLS_OPTIONS = [("off", "None"), ("starttls", "STARTTLS (usually port 587)"), ("ssl", "SSL/TLS (usually port 465)")]
REGISTRATION_OPTIONS = [("closed", "Closed: invitations only"), ("domains", "Open to some email domains"), ("approval", "Open to anyone, with approval")]


def _notice(name: str) -> rx.Component:
    """The outcome of this section's last Save."""
    return rx.cond(
        (S.notice_section == name) & (S.notice != ""),
        rx.callout(S.notice, icon=rx.cond(S.notice_ok, "circle-check", "triangle-alert"), color_scheme=rx.cond(S.notice_ok, "green", "red"),
                   size="1", width="100%", id=f"{name}-notice", role="status"),
        rx.fragment(),
    )


def _card(title: str, name: str, description: str, *fields: rx.Component, on_submit, extra: rx.Component | None = None) -> rx.Component:
    return section(
        title,
        rx.text(description, size="2", color_scheme="gray"),
        rx.card(
            rx.vstack(
                rx.form(
                    rx.vstack(
                        *fields,
                        rx.button("Save", type="submit", id=f"save-{name.replace('_', '-')}"),
                        spacing="4", align="start", width="100%",
                    ),
                    on_submit=on_submit, key=S.version.to_string() + name, width="100%",
                ),
                extra if extra is not None else rx.fragment(),
                _notice(name),
                spacing="4", width="100%",
            ),
            width="100%",
        ),
        id=f"settings-{name.replace('_', '-')}",
    )


def _two_columns(*children: rx.Component) -> rx.Component:
    return rx.grid(*children, columns=rx.breakpoints(initial="1", sm="2"), spacing="4", width="100%")


def _number(name: str, value, **props) -> rx.Component:
    return rx.input(name=name, id=name, default_value=value, type="number", inputmode="numeric", required=True, width="100%", **props)


def _logo() -> rx.Component:
    return rx.hstack(
        rx.cond(
            S.logo_url != "",
            rx.image(src=S.logo_url, alt="The organization's logo", height="48px", max_width="160px", object_fit="contain", id="settings-logo"),
            rx.center(rx.icon("image", size=20, color=rx.color("gray", 9)), width="48px", height="48px", border_radius="8px",
                      background=rx.color("gray", 3)),
        ),
        rx.vstack(
            rx.hstack(
                rx.upload.root(
                    rx.button(rx.icon("upload", size=14), rx.cond(S.logo_url != "", "Replace the logo", "Upload a logo"), type="button", variant="soft", size="2"),
                    id=LOGO_UPLOAD_ID, accept={"image/png": [".png"], "image/jpeg": [".jpg", ".jpeg"], "image/svg+xml": [".svg"]},
                    max_files=1, multiple=False, on_drop=S.upload_logo(rx.upload_files(upload_id=LOGO_UPLOAD_ID)),
                ),
                rx.cond(S.logo_url != "", rx.button("Remove", type="button", variant="soft", color_scheme="gray", size="2", on_click=S.remove_logo,
                                                    id="remove-logo")),
                spacing="2", wrap="wrap",
            ),
            rx.text("PNG, JPEG or SVG, at most 1 MB. Shown next to the name in the header.", size="1", color_scheme="gray"),
            spacing="1",
        ),
        spacing="4", align="center", width="100%",
    )


def _organization() -> rx.Component:
    return _card(
        "Organization", "organization", "The name and logo everyone sees in the header, and the time zone new accounts start with.",
        _two_columns(
            form_field("Name", rx.input(name="org_name", id="org_name", default_value=S.org_name, required=True, max_length=200, width="100%")),
            form_field("Default time zone", time_zone_select(name="default_timezone", id="default_timezone", default_value=S.default_timezone),
                       "New accounts start in this zone; each person can change theirs."),
        ),
        on_submit=S.save_organization,
        extra=_logo(),
    )


def _test_email() -> rx.Component:
    return rx.vstack(
        rx.separator(size="4"),
        rx.text("Send a test email", size="2", weight="medium"),
        rx.form(
            rx.flex(
                rx.input(name="test_to", id="test_to", type="email", default_value=S.test_to, required=True, placeholder="someone@example.com",
                         flex="1", min_width="220px"),
                rx.button(rx.icon("send", size=14), "Send a test email", type="submit", variant="soft", id="send-test-email"),
                gap="2", wrap="wrap", width="100%",
            ),
            on_submit=S.send_test_email, key=S.version.to_string() + "test", width="100%",
        ),
        rx.text("Uses the saved settings: save your changes first.", size="1", color_scheme="gray"),
        rx.cond(
            S.test_answer != "",
            rx.callout(S.test_answer, icon=rx.cond(S.test_ok, "mail-check", "mail-x"), color_scheme=rx.cond(S.test_ok, "green", "red"),
                       size="1", width="100%", id="test-email-answer", role="status", style={"overflow_wrap": "anywhere"}),
        ),
        spacing="2", width="100%",
    )


def _email() -> rx.Component:
    return _card(
        "Email", "email", "The mail server that sends invitations, password resets, reminders and notifications.",
        _two_columns(
            form_field("Mail server (SMTP host)", rx.input(name="smtp_host", id="smtp_host", default_value=S.smtp_host, required=True, width="100%")),
            form_field("Port", _number("smtp_port", S.smtp_port, min=1, max=65535)),
            form_field("Encryption", static_select(TLS_OPTIONS, id="smtp_tls", name="smtp_tls", default_value=S.smtp_tls)),
            form_field("Sender", rx.input(name="smtp_sender", id="smtp_sender", default_value=S.smtp_sender, required=True, width="100%"),
                       "Like LMS <no-reply@example.com>."),
            form_field("User name", rx.input(name="smtp_user", id="smtp_user", default_value=S.smtp_user, auto_complete="off", width="100%"),
                       "Leave empty when the server does not ask to sign in."),
            form_field(
                "Password",
                rx.input(name="smtp_password", id="smtp_password", type="password", auto_complete="new-password", width="100%",
                         placeholder=rx.cond(S.smtp_password_set, "Type a new one to replace it", "Not set")),
                rx.cond(S.smtp_password_set, rx.text("••••• set. Leave empty to keep it.", size="1", color_scheme="gray", id="smtp-password-set"),
                        rx.text("No password saved.", size="1", color_scheme="gray", id="smtp-password-set")),
            ),
        ),
        on_submit=S.save_email,
        extra=_test_email(),
    )


def _sign_in() -> rx.Component:
    return _card(
        "Sign-in & passwords", "sign_in", "The shortest password allowed, and how long someone stays signed in.",
        rx.grid(
            form_field("Minimum password length", _number("password_min_length", S.password_min_length, min=8, max=128), "8 to 128 characters."),
            form_field("Sign out after inactivity (minutes)", _number("session_idle_minutes", S.session_idle_minutes, min=5),
                       "480 minutes is a working day."),
            form_field("Longest sign-in (minutes)", _number("session_absolute_minutes", S.session_absolute_minutes, min=60),
                       "Then one signs in again, even if active. 20160 minutes is two weeks."),
            columns=rx.breakpoints(initial="1", md="3"), spacing="4", width="100%",
        ),
        on_submit=S.save_sign_in,
    )


def _registration() -> rx.Component:
    return _card(
        "Registration", "registration", "Whether people may create their own account on the sign-in page.",
        _two_columns(
            form_field("Self-registration", static_select(REGISTRATION_OPTIONS, id="registration_mode", name="registration_mode",
                                                          default_value=S.registration_mode)),
            form_field("Email domains", rx.input(name="registration_domains", id="registration_domains", default_value=S.registration_domains,
                                                 placeholder="example.com, example.org", width="100%"),
                       "For “Open to some email domains”: addresses at these domains may register."),
        ),
        on_submit=S.save_registration,
    )


def _role_box(prefix: str, checked: Callable[[RoleChoice], rx.Var], admins_always: bool = False) -> Callable[[RoleChoice], rx.Component]:
    def render(role: RoleChoice) -> rx.Component:
        return rx.text(rx.el.label(rx.hstack(
            rx.checkbox(name=prefix + role.name, default_checked=checked(role), disabled=admins_always & (role.name == "admin"), id=prefix + role.name),
            rx.text(role.label, size="2"), spacing="2", align="center",
        )))

    return render


def _course_creation() -> rx.Component:
    return _card(
        "Course creation", "course_creation", "The roles whose members may create new courses. Admins always can.",
        rx.flex(rx.foreach(S.roles, _role_box("creator_", lambda r: r.creates_courses, admins_always=True)), spacing="5", wrap="wrap"),
        on_submit=S.save_course_creation,
    )


def _two_factor() -> rx.Component:
    return _card(
        "Two-factor sign-in", "two_factor", "Who must sign in with a code from an authenticator app as well as their password.",
        rx.radio_group.root(
            rx.vstack(
                rx.text(rx.el.label(rx.hstack(rx.radio_group.item(value="default", id="two-factor-default"),
                                              rx.text("Admins, once one admin has turned it on (the default)", size="2"), spacing="2", align="center"))),
                rx.text(rx.el.label(rx.hstack(rx.radio_group.item(value="roles", id="two-factor-roles"),
                                              rx.text("The members of these roles:", size="2"), spacing="2", align="center"))),
                spacing="2",
            ),
            name="two_factor_mode", default_value=rx.cond(S.two_factor_default, "default", "roles"),
        ),
        rx.flex(rx.foreach(S.roles, _role_box("two_factor_", lambda r: r.two_factor)), spacing="5", wrap="wrap", padding_left="24px"),
        on_submit=S.save_two_factor,
    )


def _backups() -> rx.Component:
    return _card(
        "Backups", "backups", "Backups of the database and the uploaded files, taken on a schedule into a folder on this server.",
        rx.grid(
            form_field("Every (hours)", _number("backup_every_hours", S.backup_every_hours, min=0), "0 turns scheduled backups off."),
            form_field("Keep the newest", _number("backup_keep", S.backup_keep, min=1), "Older backups are deleted."),
            columns=rx.breakpoints(initial="1", sm="2"), spacing="4", width="100%",
        ),
        form_field("Folder", rx.input(name="backup_folder", id="backup_folder", default_value=S.backup_folder, required=True, width="100%"),
                   "A full path the server can write to; best on another disk."),
        on_submit=S.save_backups,
    )


@page("/admin/settings", "Settings", permission="settings.manage", on_load=AdminSettingsState.load)
def admin_settings() -> rx.Component:
    return rx.vstack(
        page_header("Settings", "How this site works for everyone. Each section is saved on its own and applies at once."),
        _organization(),
        _email(),
        _sign_in(),
        _registration(),
        _course_creation(),
        _two_factor(),
        _backups(),
        spacing="2", width="100%", max_width="880px",
    )

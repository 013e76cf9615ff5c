"""The admin's pages about people: the list, one person, and the CSV import."""

from __future__ import annotations

import reflex as rx

from lms_app.components.imports import csv_drop_zone
from lms_app.components.ui import WIDE_ONLY, confirm_dialog, empty_state, form_dialog, form_field, language_select, page_header, section, session_table, time_zone_select
from lms_app.page_registry import page
from lms_app.state.admin_users import ALL, AdminImportState, AdminUserState, AdminUsersState, PersonRow
from lms_app.state.auth import AuthState

STATUS_COLORS = (("active", "green"), ("invited", "blue"), ("pending", "orange"), ("deactivated", "gray"))


def _can(permission: str) -> rx.Var:
    return AuthState.permissions.contains(permission)


def status_pill(status, label) -> rx.Component:
    return rx.match(
        status,
        *[(value, rx.badge(label, color_scheme=color, variant="soft")) for value, color in STATUS_COLORS],
        rx.badge(label, variant="soft"),
    )


def _role_badges(roles) -> rx.Component:
    return rx.hstack(
        rx.foreach(roles, lambda r: rx.badge(r, variant="surface", color_scheme=rx.cond(r == "admin", "crimson", "gray"))),
        spacing="1",
        wrap="wrap",
    )


# --- the list ---------------------------------------------------------------------------------

def _filter_select(value, on_change, placeholder: str, items: list[tuple[str, str]] | None = None, dynamic=None, width: str = "170px") -> rx.Component:
    children = [rx.select.item(label, value=val) for val, label in (items or [])]
    if dynamic is not None:
        children.append(rx.foreach(dynamic[0], dynamic[1]))
    return rx.box(
        rx.select.root(
            rx.select.trigger(placeholder=placeholder, width="100%"),
            rx.select.content(*children),
            value=value,
            on_change=on_change,
        ),
        width=["100%", width],
    )


def _filters() -> rx.Component:
    s = AdminUsersState
    return rx.flex(
        rx.input(
            rx.input.slot(rx.icon("search", size=16)),
            placeholder="Search by name or email",
            default_value=s.search,
            on_change=s.set_search.debounce(300),
            width=["100%", "100%", "280px"],
            id="people-search",
        ),
        _filter_select(s.role_filter, s.set_role_filter, "Role", [(ALL, "All roles")], (s.role_options, lambda r: rx.select.item(r, value=r))),
        _filter_select(s.status_filter, s.set_status_filter, "Status",
                       [(ALL, "Any status"), ("active", "Active"), ("invited", "Invited"), ("pending", "Awaiting approval"), ("deactivated", "Deactivated")]),
        _filter_select(s.department_filter, s.set_department_filter, "Department", [(ALL, "All departments")],
                       (s.department_options, lambda d: rx.select.item(d.label, value=d.value)), width="210px"),
        rx.cond(s.filtered, rx.button(rx.icon("x", size=14), "Clear", variant="ghost", on_click=s.clear_filters)),
        spacing="2",
        wrap="wrap",
        align="center",
        width="100%",
    )


def _person_cell(r: PersonRow) -> rx.Component:
    return rx.hstack(
        rx.avatar(fallback=r.name[:1], size="2", radius="full", color_scheme="gray", display=["none", "flex"]),
        rx.vstack(
            rx.link(r.name, href="/admin/users/" + r.id, weight="medium", color=rx.color("gray", 12), underline="hover"),
            rx.text(r.email, size="1", color_scheme="gray"),
            spacing="0",
            min_width="0",
        ),
        spacing="3",
        align="center",
    )


def _people_table() -> rx.Component:
    s = AdminUsersState
    return rx.box(
        rx.table.root(
            rx.table.header(rx.table.row(
                rx.table.column_header_cell("Person"),
                rx.table.column_header_cell("Roles"),
                rx.table.column_header_cell("Department", display=WIDE_ONLY),
                rx.table.column_header_cell("Status"),
                rx.table.column_header_cell("Last sign-in", display=WIDE_ONLY),
            )),
            rx.table.body(rx.foreach(s.rows, lambda r: rx.table.row(
                rx.table.cell(_person_cell(r)),
                rx.table.cell(_role_badges(r.roles)),
                rx.table.cell(r.department, display=WIDE_ONLY),
                rx.table.cell(status_pill(r.status, r.status_label)),
                rx.table.cell(rx.tooltip(rx.text(r.last_login, size="2"), content=r.last_login_full), display=WIDE_ONLY, white_space="nowrap"),
                align="center",
            ))),
            variant="surface",
            width="100%",
            id="people-table",
        ),
        overflow_x="auto",
        width="100%",
    )


def _pager() -> rx.Component:
    s = AdminUsersState
    return rx.hstack(
        rx.text(s.range_label, size="2", color_scheme="gray"),
        rx.spacer(),
        rx.button(rx.icon("chevron-left", size=16), "Previous", variant="soft", size="2", disabled=s.page <= 1, on_click=s.go_to_page(s.page - 1)),
        rx.text("Page ", s.page, " of ", s.page_count, size="2", color_scheme="gray", display=["none", "inline"]),
        rx.button("Next", rx.icon("chevron-right", size=16), variant="soft", size="2", disabled=s.page >= s.page_count, on_click=s.go_to_page(s.page + 1)),
        align="center",
        width="100%",
        spacing="3",
    )


def _pending_callout() -> rx.Component:
    s = AdminUsersState
    return rx.cond(
        s.pending_total > 0,
        rx.card(
            rx.vstack(
                rx.hstack(
                    rx.icon("user-plus", size=18, color=rx.color("orange", 11)),
                    rx.text(rx.text.strong(s.pending_total, " ", rx.cond(s.pending_total == 1, "person is", "people are")), " waiting for approval to join.", size="2", color=rx.color("orange", 12)),
                    spacing="2",
                    align="center",
                ),
                rx.foreach(s.pending, lambda p: rx.flex(
                    rx.vstack(rx.text(p.name, weight="medium", size="2"), rx.text(p.email, size="1", color_scheme="gray"), spacing="0", min_width="0"),
                    rx.cond(_can("users.manage"), rx.hstack(
                        rx.button(rx.icon("check", size=14), "Approve", size="1", color_scheme="green", on_click=s.approve(p.id)),
                        rx.button("Reject", size="1", variant="soft", color_scheme="red", on_click=s.reject(p.id)),
                        spacing="2",
                    )),
                    justify="between",
                    align="center",
                    spacing="3",
                    wrap="wrap",
                    width="100%",
                    padding_top="8px",
                    border_top=f"1px solid {rx.color('orange', 5)}",
                )),
                rx.cond(s.pending_total > s.pending.length(), rx.link("See everyone waiting", on_click=s.show_pending, size="2", cursor="pointer")),
                spacing="2",
                width="100%",
            ),
            width="100%",
            style={"background": rx.color("orange", 2), "border": f"1px solid {rx.color('orange', 6)}"},
            id="pending-approvals",
        ),
    )


def _select_field(name: str, default, items: list[tuple[str, str]], dynamic=None) -> rx.Component:
    children = [rx.select.item(label, value=val) for val, label in items]
    if dynamic is not None:
        children.append(rx.foreach(dynamic[0], dynamic[1]))
    return rx.select.root(rx.select.trigger(width="100%"), rx.select.content(*children), name=name, default_value=default)


def _invite_dialog() -> rx.Component:
    s = AdminUsersState
    return form_dialog(
        "Invite someone",
        form_field("Email", rx.input(name="email", type="email", placeholder="name@example.com", required=True, width="100%")),
        form_field("Full name", rx.input(name="name", required=True, width="100%")),
        rx.grid(
            form_field("Role", _select_field("role", "learner", [], (s.role_options, lambda r: rx.select.item(r, value=r)))),
            form_field("Department", _select_field("department", "none", [("none", "No department")], (s.department_options, lambda d: rx.select.item(d.label, value=d.value)))),
            columns=rx.breakpoints(initial="1", sm="2"),
            spacing="3",
            width="100%",
        ),
        description="They get an email with a link to choose their password. The link works once, for 7 days.",
        trigger=rx.button(rx.icon("user-plus", size=16), "Invite people", id="invite-open"),
        submit="Send invitation", submit_id="invite-send", on_submit=s.invite,
        open=s.invite_open, on_open_change=s.set_invite_open, max_width="520px",
    )


def _registration_dialog() -> rx.Component:
    s = AdminUsersState
    modes = [
        ("closed", "Closed", "People join only when invited."),
        ("domains", "Email domains", "Anyone with an address at the domains below may create an account."),
        ("approval", "With approval", "Anyone may ask for an account; an administrator approves it first."),
    ]
    return form_dialog(
        "Self-registration",
        rx.radio_group.root(
            rx.vstack(
                *[rx.el.label(
                    rx.hstack(
                        rx.radio_group.item(value=value, margin_top="3px"),
                        rx.vstack(rx.text(title, weight="medium", size="2"), rx.text(text, size="1", color_scheme="gray"), spacing="0"),
                        spacing="3",
                        align="start",
                    ),
                    style={"cursor": "pointer"},
                ) for value, title, text in modes],
                spacing="3",
            ),
            name="mode",
            value=s.registration_mode,
            on_change=s.pick_registration_mode,
        ),
        rx.cond(
            s.registration_mode == "domains",
            form_field("Email domains", rx.input(name="domains", default_value=s.registration_domains, placeholder="example.com, example.org", width="100%"),
                       "Separate several domains with commas."),
        ),
        description="Can people create their own account from the sign-in page?",
        trigger=rx.button(rx.icon("door-open", size=16), "Registration", variant="soft", id="registration-open"),
        submit="Save", on_submit=s.save_registration,
        open=s.registration_open, on_open_change=s.set_registration_open,
    )


@page("/admin/users", "People", permission="users.view", on_load=AdminUsersState.load)
def admin_users() -> rx.Component:
    s = AdminUsersState
    return rx.vstack(
        page_header(
            "People",
            rx.cond(s.loaded, s.header_note, ""),
            rx.tooltip(rx.button(rx.icon("download", size=16), "Export", variant="soft", on_click=s.export_csv, id="export-csv"), content="Download the people listed below as a CSV file"),
            rx.cond(_can("users.manage"), rx.link(rx.button(rx.icon("upload", size=16), "Import", variant="soft"), href="/admin/users/import")),
            rx.cond(_can("settings.manage"), _registration_dialog()),
            rx.cond(_can("users.manage"), _invite_dialog()),
        ),
        _pending_callout(),
        _filters(),
        rx.cond(
            s.total > 0,
            rx.vstack(_people_table(), _pager(), spacing="3", width="100%"),
            rx.cond(
                s.loaded,
                rx.cond(
                    s.filtered,
                    empty_state("search-x", "Nobody matches", "Try another search or fewer filters.", rx.button("Clear filters", variant="soft", on_click=s.clear_filters)),
                    empty_state("users", "No people yet", "Invite your colleagues one by one, or import a CSV file with everyone at once."),
                ),
                rx.center(rx.spinner(size="3"), padding_y="48px", width="100%"),
            ),
        ),
        width="100%",
        spacing="4",
    )


# --- one person -------------------------------------------------------------------------------

def _confirm_status_change() -> rx.Component:
    s = AdminUserState
    deactivate = s.status != "deactivated"
    return confirm_dialog(
        rx.cond(deactivate, "Deactivate " + s.name + "?", "Reactivate " + s.name + "?"),
        rx.cond(
            deactivate,
            "They are signed out everywhere at once and cannot sign in until reactivated. Their history and records stay.",
            "They can sign in again with their current password.",
        ),
        rx.cond(
            deactivate,
            rx.button("Deactivate", color_scheme="red", on_click=s.deactivate, id="deactivate-confirm"),
            rx.button("Reactivate", color_scheme="green", on_click=s.reactivate, id="reactivate-confirm"),
        ),
        open=s.confirm_open,
        on_open_change=s.set_confirm_open,
        trigger=rx.cond(
            deactivate,
            rx.button(rx.icon("user-x", size=16), "Deactivate", color_scheme="red", variant="soft", id="deactivate-open"),
            rx.button(rx.icon("user-check", size=16), "Reactivate", color_scheme="green", variant="soft", id="reactivate-open"),
        ),
    )


# --- privacy ---
ANONYMIZE_CONSEQUENCES = [
    "Their name becomes “Former user #…” and their email address a placeholder that receives no mail.",
    "Their password, hire date, sign-in history, notifications, roles, groups and manager links are deleted.",
    "The files and text they handed in are deleted; their enrollments, progress, grades and activity stay, "
    "unnamed, so course figures do not change.",
    "Their certificates still verify, under the new name. The audit trail keeps what it recorded.",
]


def _anonymize_dialog() -> rx.Component:
    s = AdminUserState
    return rx.dialog.root(
        rx.dialog.trigger(rx.button(rx.icon("eraser", size=16), "Anonymize", color_scheme="red", variant="outline", id="anonymize-open")),
        rx.dialog.content(
            rx.dialog.title("Anonymize " + s.name + "?"),
            rx.dialog.description("For someone who has left. This cannot be undone.", size="2", color_scheme="gray"),
            rx.unordered_list(*[rx.list_item(rx.text(line, size="2")) for line in ANONYMIZE_CONSEQUENCES], margin_y="12px"),
            rx.form(
                rx.vstack(
                    form_field("Type " + s.email + " to confirm",
                               rx.input(name="confirm_email", type="email", required=True, auto_complete="off", width="100%", id="anonymize-email")),
                    rx.hstack(
                        rx.dialog.close(rx.button("Cancel", variant="soft", color_scheme="gray", type="button")),
                        rx.button("Anonymize for good", type="submit", color_scheme="red", id="anonymize-confirm"),
                        justify="end",
                        spacing="3",
                        width="100%",
                        wrap="wrap",
                    ),
                    spacing="3",
                ),
                on_submit=s.anonymize,
            ),
            max_width="520px",
        ),
        open=s.anonymize_open,
        on_open_change=s.set_anonymize_open,
    )


def _details_card() -> rx.Component:
    s = AdminUserState
    manage = _can("users.manage")
    return rx.card(
        rx.form(
            rx.vstack(
                rx.heading("Details", size="3"),
                rx.grid(
                    form_field("Name", rx.input(name="name", default_value=s.name, key=s.name, required=True, width="100%")),
                    form_field("Email", rx.input(name="email", type="email", default_value=s.email, key=s.email, required=True, width="100%")),
                    form_field("Time zone", time_zone_select(name="timezone", value=s.timezone, on_change=s.pick_timezone)),
                    form_field("Language", language_select(name="locale", value=s.locale, on_change=s.pick_locale)),
                    form_field("Hire date", rx.input(name="hire_date", type="date", default_value=s.hire_date, key=s.hire_date, width="100%")),
                    form_field("Department", rx.select.root(
                        rx.select.trigger(width="100%"),
                        rx.select.content(rx.select.item("No department", value=ALL), rx.foreach(s.department_options, lambda d: rx.select.item(d.label, value=d.value))),
                        name="department", value=s.department_id, on_change=s.pick_department,
                    )),
                    columns=rx.breakpoints(initial="1", sm="2"),
                    spacing="4",
                    width="100%",
                ),
                rx.cond(manage, rx.button("Save details", type="submit", id="save-user")),
                spacing="4",
                align="start",
            ),
            on_submit=s.save,
            reset_on_submit=False,
        ),
        width="100%",
    )


def _roles_card() -> rx.Component:
    s = AdminUserState
    manage_roles = _can("roles.manage")
    return rx.card(
        rx.vstack(
            rx.heading("Roles", size="3"),
            rx.cond(
                s.roles.length() > 0,
                rx.vstack(rx.foreach(s.roles, lambda g: rx.hstack(
                    rx.badge(g.name, variant="surface", color_scheme=rx.cond(g.expired, "gray", rx.cond(g.name == "admin", "crimson", "indigo")), size="2"),
                    rx.text(g.expires, size="1", color_scheme=rx.cond(g.expired, "red", "gray")),
                    rx.spacer(),
                    rx.cond(manage_roles, rx.tooltip(rx.icon_button(rx.icon("x", size=14), size="1", variant="ghost", color_scheme="gray", on_click=s.remove_role(g.role_id), aria_label="Take back " + g.name), content="Take back this role")),
                    align="center",
                    width="100%",
                )), spacing="2", width="100%"),
                rx.text("No role: this person cannot open anything yet.", size="2", color_scheme="gray"),
            ),
            rx.cond(manage_roles & (s.role_options.length() > 0), rx.form(
                rx.vstack(
                    rx.select.root(
                        rx.select.trigger(placeholder="Give a role…", width="100%"),
                        rx.select.content(rx.foreach(s.role_options, lambda o: rx.select.item(o.label, value=o.value))),
                        name="role_id",
                    ),
                    rx.flex(
                        rx.hstack(
                            rx.text("until", size="2", color_scheme="gray", as_="label", html_for="role-expires"),
                            rx.input(name="expires", id="role-expires", type="date", width="160px"),
                            spacing="2",
                            align="center",
                        ),
                        rx.button(rx.icon("plus", size=14), "Give role", type="submit", variant="soft"),
                        justify="between",
                        align="center",
                        spacing="2",
                        wrap="wrap",
                        width="100%",
                    ),
                    rx.text("Leave the date empty for a role with no end; it ends with that day in the person's time zone.", size="1", color_scheme="gray"),
                    spacing="2",
                    width="100%",
                    padding_top="8px",
                    border_top=f"1px solid {rx.color('gray', 4)}",
                ),
                on_submit=s.add_role,
                reset_on_submit=True,
                width="100%",
            )),
            spacing="3",
            width="100%",
        ),
        width="100%",
    )


def _groups_card() -> rx.Component:
    s = AdminUserState
    manage = _can("users.manage")
    return rx.card(
        rx.vstack(
            rx.heading("Groups", size="3"),
            rx.cond(
                s.groups.length() > 0,
                rx.flex(rx.foreach(s.groups, lambda g: rx.badge(
                    g.label,
                    rx.cond(manage, rx.icon("x", size=12, cursor="pointer", on_click=s.remove_group(g.value), aria_label="Remove from " + g.label)),
                    variant="soft", size="2",
                )), spacing="2", wrap="wrap"),
                rx.text("Not in any group.", size="2", color_scheme="gray"),
            ),
            rx.cond(manage & (s.group_options.length() > 0), rx.select.root(
                rx.select.trigger(placeholder="Add to a group", width="100%"),
                rx.select.content(rx.foreach(s.group_options, lambda o: rx.select.item(o.label, value=o.value))),
                value="",
                on_change=s.add_group,
            )),
            spacing="3",
            width="100%",
        ),
        width="100%",
    )


def _sign_in_as_button() -> rx.Component:
    """See the app as this person sees it; when that is not allowed, the button says why."""
    s = AdminUserState
    button = rx.button(rx.icon("log-in", size=16), "Sign in as", variant="soft", color_scheme="amber",
                       disabled=s.sign_in_as_refusal != "", on_click=rx.call_script("lmsSignInAs(" + s.user_id + ")"), id="sign-in-as")
    return rx.cond(s.is_self, rx.fragment(), rx.cond(s.sign_in_as_refusal != "", rx.tooltip(rx.box(button), content=s.sign_in_as_refusal), button))


@page("/admin/users/[user_id]", "Person", permission="users.view", on_load=AdminUserState.load)
def admin_user() -> rx.Component:
    s = AdminUserState
    manage = _can("users.manage")
    return rx.cond(
        s.found,
        rx.vstack(
            rx.link(rx.hstack(rx.icon("arrow-left", size=14), rx.text("People", size="2"), spacing="1", align="center"), href="/admin/users", color_scheme="gray"),
            rx.flex(
                rx.hstack(
                    rx.avatar(fallback=s.initials, size="5", radius="full"),
                    rx.vstack(
                        rx.hstack(rx.heading(s.name, size="6"), status_pill(s.status, s.status_label),
                                  rx.cond(s.anonymized, rx.badge("Anonymized", color_scheme="gray", variant="outline")),  # --- privacy ---
                                  spacing="3", align="center", wrap="wrap"),
                        rx.text(s.email, color_scheme="gray", size="2"),
                        rx.text("Joined ", s.created, " · last sign-in: ", s.last_login, size="1", color_scheme="gray"),
                        # Where a tooltip cannot show (phones), why "Sign in as" is off.
                        rx.cond(manage & ~s.is_self & (s.sign_in_as_refusal != ""),
                                rx.text(s.sign_in_as_refusal, size="1", color_scheme="gray", display=["block", "block", "none"])),
                        spacing="1",
                    ),
                    spacing="4",
                    align="center",
                ),
                rx.hstack(
                    rx.cond(manage, _sign_in_as_button()),
                    rx.cond(manage & s.invitation_open, rx.button(rx.icon("send", size=16), "Resend invitation", variant="soft", on_click=s.resend_invitation, id="resend-invitation")),
                    rx.cond(manage & ~s.is_self & (s.status != "pending") & ~s.anonymized, _confirm_status_change()),
                    # --- privacy ---
                    rx.cond(manage, rx.button(rx.icon("file-archive", size=16), "Download their data", variant="soft", color_scheme="gray",
                                              on_click=rx.download(url="/privacy/export/" + s.user_id), id="person-data-export")),
                    rx.cond(manage & ~s.is_self & (s.status == "deactivated") & ~s.anonymized, _anonymize_dialog()),
                    spacing="2",
                    wrap="wrap",
                ),
                justify="between",
                align="center",
                spacing="4",
                wrap="wrap",
                width="100%",
                margin_bottom="8px",
            ),
            # Filled by lmsSignInAs when the server refuses (the rules changed since the page loaded).
            rx.text("", size="2", color_scheme="red", role="alert", display="none", id="sign-in-as-message",
                    custom_attrs={"data-lms-impersonate-message": ""}),
            rx.grid(
                _details_card(),
                rx.vstack(_roles_card(), _groups_card(), spacing="4", width="100%"),
                columns=rx.breakpoints(initial="1", md="2"),
                spacing="4",
                width="100%",
            ),
            rx.cond(manage, section(
                "Where they are signed in",
                rx.cond(
                    s.sessions.length() > 0,
                    session_table(s.sessions, s.revoke_session),
                    rx.text("No active session.", size="2", color_scheme="gray"),
                ),
            )),
            rx.cond(manage, section(
                "Sign-in history",
                rx.cond(
                    s.sign_ins.length() > 0,
                    rx.box(rx.table.root(
                        rx.table.header(rx.table.row(rx.table.column_header_cell("When"), rx.table.column_header_cell("From"),
                                                     rx.table.column_header_cell("Outcome"))),
                        rx.table.body(rx.foreach(s.sign_ins, lambda a: rx.table.row(
                            rx.table.cell(a["at"]), rx.table.cell(a["ip"]),
                            rx.table.cell(rx.badge(a["outcome"], variant="soft", color_scheme=rx.cond(a["outcome"] == "Refused", "red", "green")))))),
                        variant="surface", size="1", width="100%", id="sign-in-history",
                    ), overflow_x="auto", width="100%"),
                    rx.text("No sign-in yet.", size="2", color_scheme="gray"),
                ),
            )),
            width="100%",
            spacing="4",
        ),
        rx.center(rx.spinner(size="3"), padding_y="64px"),
    )


# --- CSV import -------------------------------------------------------------------------------

UPLOAD_ID = "people_csv"


def _import_sources() -> rx.Component:
    s = AdminImportState
    return rx.grid(
        rx.card(
            rx.vstack(
                rx.heading("Upload a file", size="3"),
                csv_drop_zone(UPLOAD_ID, s.handle_upload),
                spacing="3",
                width="100%",
            ),
            width="100%",
        ),
        rx.card(
            rx.form(
                rx.vstack(
                    rx.heading("Or paste the lines", size="3"),
                    rx.text_area(name="csv", placeholder="email,name,roles,department,groups,hire_date,timezone\nsam@example.com,Sam Rivera,learner,Sales,,2026-09-01,Europe/Paris",
                                 rows="5", width="100%", font_family="monospace", size="1", id="csv-text", default_value=s.draft),
                    rx.button("Check these lines", type="submit", variant="soft", id="check-csv"),
                    spacing="3",
                    width="100%",
                ),
                on_submit=s.check_text,
                reset_on_submit=False,
            ),
            width="100%",
        ),
        columns=rx.breakpoints(initial="1", md="2"),
        spacing="4",
        width="100%",
    )


def _preview() -> rx.Component:
    s = AdminImportState
    return rx.vstack(
        rx.cond(
            s.can_import,
            rx.callout(rx.text("All ", s.row_count, " lines in ", s.file_name, " are fine. Everyone will be invited by email."), icon="circle-check", color_scheme="green", width="100%"),
            rx.callout.root(
                rx.callout.icon(rx.icon("triangle-alert")),
                rx.vstack(
                    rx.text(
                        rx.cond(s.row_count > 0, rx.text.span(rx.text.strong(s.error_rows, " of ", s.row_count), " lines in ", s.file_name, rx.cond(s.error_rows == 1, " has a problem. ", " have problems. ")), rx.text.span(s.file_name, " cannot be read. ")),
                        "Nothing is imported until every line is right: fix the file and check it again.",
                        size="2",
                    ),
                    rx.foreach(s.file_errors, lambda e: rx.text("• ", e, size="2")),
                    spacing="1",
                ),
                color_scheme="red",
                width="100%",
                id="import-problems",
            ),
        ),
        rx.cond(s.ignored_columns.length() > 0, rx.text("Columns not used: ", s.ignored_columns.join(", "), size="1", color_scheme="gray")),
        rx.cond(s.row_count > 0, rx.vstack(
            rx.cond(s.error_rows > 0, rx.text(rx.el.label(rx.hstack(rx.switch(checked=s.only_errors, on_change=s.set_only_errors), rx.text("Only lines with problems", size="2"), spacing="2", align="center")))),
            rx.box(
                rx.table.root(
                    rx.table.header(rx.table.row(
                        *[rx.table.column_header_cell(h) for h in ("Line", "Person", "Roles", "Department", "Groups", "Hire date", "Time zone", "Check")]
                    )),
                    rx.table.body(rx.foreach(s.visible_rows, lambda r: rx.table.row(
                        rx.table.cell(rx.text(r.line, color_scheme="gray", size="1")),
                        rx.table.cell(rx.vstack(rx.text(rx.cond(r.name != "", r.name, "—"), weight="medium", size="2"), rx.text(r.email, size="1", color_scheme="gray"), spacing="0")),
                        rx.table.cell(r.roles),
                        rx.table.cell(r.department),
                        rx.table.cell(r.groups),
                        rx.table.cell(r.hire_date, white_space="nowrap"),
                        rx.table.cell(r.timezone),
                        rx.table.cell(rx.cond(
                            r.errors.length() > 0,
                            rx.vstack(rx.foreach(r.errors, lambda e: rx.text(e, size="1", color_scheme="red")), spacing="0", min_width="180px"),
                            rx.icon("check", size=16, color=rx.color("green", 10)),
                        )),
                        background=rx.cond(r.errors.length() > 0, rx.color("red", 2), "transparent"),
                    ))),
                    variant="surface",
                    size="1",
                    width="100%",
                    id="import-preview",
                ),
                overflow_x="auto",
                width="100%",
            ),
            rx.cond(s.row_count > 500, rx.text("The first 500 lines are shown.", size="1", color_scheme="gray")),
            spacing="3",
            width="100%",
        )),
        rx.hstack(
            rx.cond(s.can_import, rx.button(rx.icon("user-plus", size=16), "Import ", s.row_count, rx.cond(s.row_count == 1, " person", " people"), on_click=s.start_import, loading=s.importing, id="import-commit")),
            rx.cond(s.draft != "", rx.button(rx.icon("pencil", size=14), "Edit the lines", variant="soft", on_click=s.edit_again)),
            rx.button("Start over", variant="soft", color_scheme="gray", on_click=s.reset_import),
            spacing="3",
        ),
        spacing="4",
        width="100%",
    )


@page("/admin/users/import", "Import people", permission="users.manage", on_load=AdminImportState.load)
def admin_import() -> rx.Component:
    s = AdminImportState
    return rx.vstack(
        rx.link(rx.hstack(rx.icon("arrow-left", size=14), rx.text("People", size="2"), spacing="1", align="center"), href="/admin/users", color_scheme="gray"),
        page_header(
            "Import people",
            "Add many people at once from a spreadsheet saved as CSV. Each one gets an invitation email.",
            rx.button(rx.icon("file-down", size=16), "Download a template", variant="soft", on_click=s.download_template),
        ),
        rx.cond(s.imported > 0, rx.callout(
            rx.text(s.imported, " people were imported and invited. ", rx.link("See them in the list", href="/admin/users")),
            icon="circle-check", color_scheme="green", width="100%",
        )),
        rx.cond(
            s.checked,
            _preview(),
            rx.vstack(
                _import_sources(),
                rx.card(
                    rx.vstack(
                        rx.heading("Columns", size="3"),
                        rx.text(rx.code("email"), " and ", rx.code("name"), " are required. ",
                                rx.code("roles"), " (learner when empty), ", rx.code("department"), ", ", rx.code("groups"),
                                " (names that exist already), ", rx.code("hire_date"), " (like 2026-03-01) and ", rx.code("timezone"),
                                " (like Europe/Paris) are optional. Separate several roles or groups with a semicolon.", size="2", color_scheme="gray"),
                        spacing="2",
                    ),
                    width="100%",
                ),
                spacing="4",
                width="100%",
            ),
        ),
        width="100%",
        spacing="4",
    )

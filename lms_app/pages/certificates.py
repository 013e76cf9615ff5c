"""Certificates: the learner's list (/learn/certificates), the admin's template and issued
certificates (/admin/certificates), and the public verification page (/verify/<code>)."""

from __future__ import annotations

import reflex as rx

from lms_app.components.ui import WIDE_ONLY, empty_state, form_dialog, form_field, page_header, static_select
from lms_app.page_registry import PUBLIC, page
from lms_app.services.certificates import PLACEHOLDERS
from lms_app.state.auth import AuthState
from lms_app.state.certificates import ALL, AdminCertificatesState, CertificateView, LearnerCertificatesState, VerifyState

STATUS_COLORS = {"valid": "green", "expired": "amber", "revoked": "red"}


def status_badge(status, label) -> rx.Component:
    return rx.match(
        status,
        *[(value, rx.badge(label, color_scheme=color, variant="soft", size="2")) for value, color in STATUS_COLORS.items()],
        rx.badge(label, variant="soft"),
    )


# --- the learner's certificates ------------------------------------------------------------------

def _certificate_card(c: CertificateView) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.center(rx.icon("award", size=22), width="44px", height="44px", min_width="44px", border_radius="10px",
                          background=rx.color("accent", 3), color=rx.color("accent", 11)),
                rx.vstack(
                    rx.heading(c.title, size="4", trim="both"),
                    rx.text("Issued ", c.issued, " · ", rx.cond(c.expires == "No expiry", "No expiry date", "Valid until " + c.expires),
                            size="2", color_scheme="gray"),
                    spacing="1",
                    min_width="0",
                ),
                rx.spacer(),
                status_badge(c.status, c.status_label),
                spacing="3",
                align="start",
                width="100%",
            ),
            rx.cond(c.note != "", rx.text(c.note, size="2", color_scheme="gray")),
            rx.flex(
                rx.text("Code ", rx.code(c.code, variant="ghost"), size="2", color_scheme="gray"),
                rx.spacer(),
                rx.hstack(
                    rx.link(rx.button(rx.icon("external-link", size=14), "Verification page", variant="soft", color_scheme="gray", size="2"),
                            href=c.verify_url, is_external=True),
                    # A new target keeps the app's router from taking the link as a page of its own.
                    rx.el.a(rx.button(rx.icon("download", size=14), "Download PDF", size="2", tab_index=-1),
                            href=c.download_url, download=True, target="_blank", rel="noopener", class_name="certificate-download"),
                    spacing="2",
                    wrap="wrap",
                ),
                align="center",
                gap="8px",
                wrap="wrap",
                width="100%",
            ),
            spacing="3",
            width="100%",
        ),
        width="100%",
    )


@page("/learn/certificates", "My certificates", permission="learning.view", on_load=LearnerCertificatesState.load)
def learner_certificates_page() -> rx.Component:
    s = LearnerCertificatesState
    return rx.vstack(
        page_header("My certificates", "The certificates you earned by completing courses and learning paths."),
        rx.cond(
            s.rows.length() > 0,
            rx.vstack(rx.foreach(s.rows, _certificate_card), spacing="3", width="100%", id="my-certificates"),
            rx.cond(s.loaded, empty_state(
                "award", "No certificates yet",
                "Complete a course to earn its certificate; it appears here to download. Your courses are in My learning.",
                rx.link(rx.button("Go to My learning"), href="/learn"),
            )),
        ),
        width="100%",
        spacing="0",
    )


# --- the admin's page ---------------------------------------------------------------------------

def _template_input(label: str, field_name: str, value, hint: str = "", *, area: bool = False, max_length: int = 200) -> rx.Component:
    s = AdminCertificatesState
    props = dict(default_value=value, on_change=s.edit_template(field_name).debounce(400), width="100%", max_length=max_length,
                 id=f"template-{field_name.replace('_', '-')}", key=field_name + s.form_version.to_string())
    control = rx.text_area(rows="6", **props) if area else rx.input(**props)
    return form_field(label, control, hint)


def _template_tab() -> rx.Component:
    s = AdminCertificatesState
    placeholders = ", ".join("{" + name + "} " + label for name, label in PLACEHOLDERS.items())
    form = rx.vstack(
        _template_input("Heading", "heading", s.heading),
        _template_input("Text", "body", s.body,
                        f"Placeholders: {placeholders}. A line holding only {{learner}} or {{course}} is printed large.",
                        area=True, max_length=2000),
        rx.grid(
            _template_input("Signed by", "signature_name", s.signature_name),
            _template_input("Signer's title", "signature_title", s.signature_title),
            columns=rx.breakpoints(initial="1", sm="2"),
            spacing="3",
            width="100%",
        ),
        _template_input("Footer", "footer", s.footer, "Small print at the bottom (optional).", max_length=500),
        rx.cond(s.template_error != "", rx.callout(s.template_error, icon="triangle-alert", color_scheme="red", width="100%", id="template-error")),
        rx.hstack(
            rx.button("Discard changes", variant="soft", color_scheme="gray", on_click=s.discard_changes, disabled=~s.dirty),
            rx.button(rx.icon("save", size=16), "Save template", on_click=s.save_template, disabled=~s.dirty | (s.template_error != ""),
                      id="template-save"),
            spacing="2",
            justify="end",
            width="100%",
        ),
        rx.text("The organization's name and logo come from its settings; each certificate adds its date, expiry, code and QR code.",
                size="1", color_scheme="gray"),
        spacing="3",
        width="100%",
    )
    preview = rx.vstack(
        rx.text("Preview", size="2", weight="medium"),
        rx.cond(
            s.preview != "",
            rx.image(src=s.preview, alt="Preview of a certificate printed from this template", width="100%", height="auto",
                     border=f"1px solid {rx.color('gray', 5)}", border_radius="6px", box_shadow="0 2px 10px rgba(0,0,0,0.08)", id="template-preview"),
            rx.center(rx.spinner(), height="200px", width="100%"),
        ),
        rx.text("A sample certificate for “Alex Example”, updated as you type.", size="1", color_scheme="gray"),
        spacing="2",
        width="100%",
    )
    return rx.grid(form, preview, columns=rx.breakpoints(initial="1", md="2"), spacing="5", width="100%", padding_top="16px")


def _filters() -> rx.Component:
    s = AdminCertificatesState
    return rx.flex(
        rx.input(rx.input.slot(rx.icon("search", size=16)), placeholder="Search learner, email, course or code", default_value=s.search,
                 on_change=s.set_search.debounce(300), width=["100%", "100%", "320px"], id="certificate-search"),
        rx.box(
            static_select([(ALL, "Any status"), ("valid", "Valid"), ("expired", "Expired"), ("revoked", "Revoked")],
                          value=s.status_filter, on_change=s.set_status_filter),
            width=["100%", "170px"],
        ),
        rx.cond(s.filtered, rx.button(rx.icon("x", size=14), "Clear", variant="ghost", on_click=s.clear_filters)),
        spacing="2",
        wrap="wrap",
        align="center",
        width="100%",
    )


def _row(c: CertificateView) -> rx.Component:
    s = AdminCertificatesState
    return rx.table.row(
        rx.table.cell(rx.vstack(rx.text(c.learner, weight="medium", size="2"), rx.text(c.email, size="1", color_scheme="gray"), spacing="0")),
        rx.table.cell(rx.vstack(rx.text(c.title, size="2"), rx.cond(c.note != "", rx.text(c.note, size="1", color_scheme="gray")), spacing="0")),
        rx.table.cell(rx.link(c.code, href=c.verify_url, is_external=True, size="2", font_family="monospace", white_space="nowrap"), display=WIDE_ONLY),
        rx.table.cell(c.issued, display=WIDE_ONLY, white_space="nowrap"),
        rx.table.cell(c.expires, display=WIDE_ONLY, white_space="nowrap"),
        rx.table.cell(status_badge(c.status, c.status_label)),
        rx.table.cell(rx.hstack(
            rx.el.a(rx.icon_button(rx.icon("download", size=14), variant="soft", color_scheme="gray", size="1", tab_index=-1),
                    href=c.download_url, download=True, target="_blank", rel="noopener", aria_label="Download PDF"),
            rx.cond(c.status != "revoked", rx.menu.root(
                rx.menu.trigger(rx.icon_button(rx.icon("ellipsis", size=14), variant="soft", color_scheme="gray", size="1", aria_label="More actions")),
                rx.menu.content(
                    rx.menu.item(rx.icon("refresh-cw", size=14), "Reissue", on_click=s.ask_reissue(c.id)),
                    rx.menu.item(rx.icon("ban", size=14), "Revoke", color_scheme="red", on_click=s.ask_revoke(c.id)),
                ),
            )),
            spacing="2",
        )),
        align="center",
    )


def _issued_tab() -> rx.Component:
    s = AdminCertificatesState
    table = rx.box(
        rx.table.root(
            rx.table.header(rx.table.row(
                rx.table.column_header_cell("Learner"), rx.table.column_header_cell("Course or path"),
                rx.table.column_header_cell("Code", display=WIDE_ONLY), rx.table.column_header_cell("Issued", display=WIDE_ONLY),
                rx.table.column_header_cell("Valid until", display=WIDE_ONLY), rx.table.column_header_cell("Status"), rx.table.column_header_cell(""),
            )),
            rx.table.body(rx.foreach(s.rows, _row)),
            variant="surface",
            width="100%",
            id="certificates-table",
        ),
        overflow_x="auto",
        width="100%",
    )
    pager = rx.hstack(
        rx.text(s.range_label, size="2", color_scheme="gray"),
        rx.spacer(),
        rx.button(rx.icon("chevron-left", size=16), "Previous", variant="soft", size="2", disabled=s.page <= 1, on_click=s.go_to_page(s.page - 1)),
        rx.text("Page ", s.page, " of ", s.page_count, size="2", color_scheme="gray", display=["none", "inline"]),
        rx.button("Next", rx.icon("chevron-right", size=16), variant="soft", size="2", disabled=s.page >= s.page_count, on_click=s.go_to_page(s.page + 1)),
        align="center",
        width="100%",
        spacing="3",
    )
    return rx.vstack(
        _filters(),
        rx.cond(
            s.total > 0,
            rx.vstack(table, pager, spacing="3", width="100%"),
            rx.cond(
                s.filtered,
                empty_state("search-x", "No certificate matches", "Try another search or status, or clear the filters.",
                            rx.button("Clear filters", variant="soft", on_click=s.clear_filters)),
                empty_state("award", "No certificates issued yet",
                            "Certificates are issued when learners complete a course or learning path. Meanwhile, set up the template they are printed from."),
            ),
        ),
        spacing="3",
        width="100%",
        padding_top="16px",
    )


def _dialogs() -> rx.Component:
    s = AdminCertificatesState
    return rx.fragment(
        form_dialog(
            "Revoke this certificate?",
            rx.text(s.target_label, size="2", weight="medium"),
            form_field("Reason", rx.text_area(name="reason", required=True, max_length=500, rows="3", width="100%", id="revoke-reason"),
                       "Kept in the audit trail. The verification page will say the certificate is revoked, and since when."),
            submit="Revoke certificate", submit_id="revoke-confirm", on_submit=s.revoke,
            open=s.revoke_open, on_open_change=s.set_revoke_open, reset_on_submit=True,
        ),
        rx.alert_dialog.root(
            rx.alert_dialog.content(
                rx.alert_dialog.title("Reissue this certificate?"),
                rx.alert_dialog.description(
                    rx.text(s.target_label, weight="medium"),
                    rx.text("A new certificate with a new code replaces it, printed with the learner's current name and the "
                            "current title; the dates stay. The old code will show as revoked.", margin_top="8px"),
                    size="2",
                ),
                rx.hstack(
                    rx.alert_dialog.cancel(rx.button("Cancel", variant="soft", color_scheme="gray")),
                    rx.button("Reissue", on_click=s.reissue, id="reissue-confirm"),
                    justify="end",
                    spacing="3",
                    margin_top="16px",
                ),
                max_width="460px",
            ),
            open=s.reissue_open,
            on_open_change=s.set_reissue_open,
        ),
    )


@page("/admin/certificates", "Certificates", permission="certificates.manage", on_load=AdminCertificatesState.load)
def admin_certificates_page() -> rx.Component:
    return rx.vstack(
        page_header("Certificates", "Issued certificates, and the template they are printed from."),
        rx.tabs.root(
            rx.tabs.list(rx.tabs.trigger("Issued certificates", value="issued"), rx.tabs.trigger("Template", value="template", id="template-tab")),
            rx.tabs.content(_issued_tab(), value="issued"),
            rx.tabs.content(_template_tab(), value="template"),
            default_value="issued",
            width="100%",
        ),
        _dialogs(),
        width="100%",
        spacing="0",
    )


# --- public verification ------------------------------------------------------------------------

_VERDICTS = {
    "valid": ("badge-check", "green", "This certificate is valid"),
    "expired": ("clock-alert", "amber", "This certificate has expired"),
    "revoked": ("ban", "red", "This certificate was revoked"),
}


def _fact(label: str, value) -> rx.Component:
    return rx.data_list.item(rx.data_list.label(label, min_width="130px"), rx.data_list.value(value))


def _verdict() -> rx.Component:
    s = VerifyState
    return rx.match(
        s.status,
        *[(status, rx.hstack(
            rx.center(rx.icon(icon, size=26), width="48px", height="48px", min_width="48px", border_radius="50%",
                      background=rx.color(color, 3), color=rx.color(color, 11)),
            rx.vstack(rx.heading(text, size="5"), rx.badge(s.status_label, color_scheme=color, variant="soft", size="2"), spacing="1"),
            spacing="3",
            align="center",
        )) for status, (icon, color, text) in _VERDICTS.items()],
        rx.fragment(),
    )


@page("/verify/[code]", "Verify a certificate", permission=PUBLIC, on_load=VerifyState.load, bare=True)
def verify_page() -> rx.Component:
    s = VerifyState
    found = rx.vstack(
        _verdict(),
        rx.data_list.root(
            _fact("Course or path", rx.text(s.title, weight="medium")),
            _fact("Awarded to", s.initials),
            _fact("Issued", s.issued),
            _fact("Valid until", rx.cond(s.expires != "", s.expires, "No expiry date")),
            rx.cond(s.revoked != "", _fact("Revoked on", s.revoked)),
            _fact("Code", rx.code(s.code, variant="ghost")),
            orientation=rx.breakpoints(initial="vertical", sm="horizontal"),
            size="2",
            width="100%",
        ),
        rx.text("Only the learner's initials are shown. Compare them, the course and the dates with the certificate you were given.",
                size="1", color_scheme="gray"),
        spacing="4",
        width="100%",
        id="verification",
    )
    unknown = rx.vstack(
        rx.hstack(
            rx.center(rx.icon("search-x", size=26), width="48px", height="48px", min_width="48px", border_radius="50%",
                      background=rx.color("gray", 3), color=rx.color("gray", 11)),
            rx.heading("No certificate has this code", size="5"),
            spacing="3",
            align="center",
        ),
        rx.text("Check the code printed under the QR code on the certificate: four groups of four letters and digits, "
                "such as K7QM-3XTR-9BWZ-HPDA.", size="2", color_scheme="gray"),
        spacing="3",
        width="100%",
        id="verification-unknown",
    )
    return rx.center(
        rx.card(
            rx.vstack(
                rx.hstack(
                    rx.center(rx.icon("graduation-cap", size=22), width="40px", height="40px", border_radius="10px", background=rx.color("accent", 9), color="white"),
                    rx.vstack(rx.text(AuthState.org_name, weight="bold", size="3"), rx.text("Certificate verification", size="1", color_scheme="gray"), spacing="0"),
                    spacing="3",
                    align="center",
                ),
                rx.separator(size="4"),
                rx.cond(s.checked, rx.cond(s.found, found, unknown), rx.center(rx.spinner(), width="100%", padding_y="32px")),
                spacing="4",
                width="100%",
            ),
            size="4",
            width="100%",
            max_width="560px",
        ),
        min_height="100vh",
        padding="16px",
    )

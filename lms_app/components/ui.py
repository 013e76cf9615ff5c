"""Small building blocks every page uses, so pages look and behave alike."""

from __future__ import annotations

import reflex as rx

from lms_app.locales import LANGUAGES, TIME_ZONES

# Table columns a phone has no room for: shown from tablet widths up.
WIDE_ONLY = ["none", "none", "table-cell"]

# Read by screen readers, not shown.
VISUALLY_HIDDEN = {"position": "absolute", "width": "1px", "height": "1px", "overflow": "hidden", "clip": "rect(0 0 0 0)", "white_space": "nowrap"}


def page_header(title: str, subtitle: str | rx.Var = "", *actions) -> rx.Component:
    return rx.flex(
        rx.box(
            rx.heading(title, size="7", weight="bold"),
            rx.cond(subtitle != "", rx.text(subtitle, color_scheme="gray", size="3"), rx.fragment()) if isinstance(subtitle, rx.Var) else (rx.text(subtitle, color_scheme="gray", size="3") if subtitle else rx.fragment()),
        ),
        rx.hstack(*actions, spacing="2", wrap="wrap"),
        justify="between",
        align="end",
        wrap="wrap",
        spacing="3",
        width="100%",
        margin_bottom="24px",
    )


def empty_state(icon: str, title: str, text: str, *actions) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.center(rx.icon(icon, size=28), width="56px", height="56px", border_radius="50%", background=rx.color("accent", 3), color=rx.color("accent", 11)),
            rx.heading(title, size="4"),
            rx.text(text, color_scheme="gray", align="center", max_width="460px"),
            rx.hstack(*actions, spacing="2"),
            align="center",
            spacing="3",
            padding_y="32px",
        ),
        width="100%",
        class_name="lms-empty",
    )


def stat_card(label: str, value, icon: str, hint: str | rx.Var = "") -> rx.Component:
    return rx.card(
        rx.hstack(
            rx.center(rx.icon(icon, size=20), width="40px", height="40px", border_radius="10px", background=rx.color("accent", 3), color=rx.color("accent", 11)),
            rx.vstack(
                rx.text(label, size="2", color_scheme="gray"),
                rx.heading(value, size="6"),
                rx.text(hint, size="1", color_scheme="gray") if hint is not None else rx.fragment(),
                spacing="0",
            ),
            spacing="3",
            align="center",
        ),
        width="100%",
    )


def section(title: str, *children, **props) -> rx.Component:
    return rx.vstack(rx.heading(title, size="4"), *children, spacing="3", width="100%", margin_top="32px", **props)


def form_field(label: str, control: rx.Component, hint: str | rx.Component = "") -> rx.Component:
    if isinstance(hint, str):
        hint = rx.text(hint, size="1", color_scheme="gray") if hint else rx.fragment()
    return rx.vstack(
        rx.text(label, as_="label", size="2", weight="medium"),
        control,
        hint,
        spacing="1",
        width="100%",
    )


def status_badge(active: rx.Var, on: str = "Active", off: str = "Inactive") -> rx.Component:
    return rx.cond(active, rx.badge(on, color_scheme="green", variant="soft"), rx.badge(off, color_scheme="gray", variant="soft"))


def static_select(options: list[tuple[str, str]], id: str | None = None, **props) -> rx.Component:
    # Items known at build time are compiled into the page, not carried in a state.
    return rx.select.root(
        rx.select.trigger(width="100%", id=id),
        rx.select.content(*[rx.select.item(label, value=value) for value, label in options]),
        **props,
    )


def filter_select(options: rx.Var, value: rx.Var, on_change, label: str, id: str) -> rx.Component:
    """A labelled select over options a state computed ({"value", "label"} dicts): a dashboard's filter."""
    return rx.vstack(
        rx.text(label, size="1", color_scheme="gray", as_="label", html_for=id),
        rx.select.root(
            rx.select.trigger(id=id, width="100%"),
            rx.select.content(rx.foreach(options, lambda o: rx.select.item(o["label"], value=o["value"]))),
            value=value, on_change=on_change,
        ),
        spacing="1", width="100%", min_width="0",
    )


def time_zone_select(**props) -> rx.Component:
    # The browser's own select: ~500 zones open instantly, type-to-find works, and phones show
    # their native picker (a styled list would render every zone on each opening).
    return rx.el.select(*[rx.el.option(tz.replace("_", " "), value=tz) for tz in TIME_ZONES], class_name="lms-native-select", **props)


def language_select(**props) -> rx.Component:
    return static_select(list(LANGUAGES.items()), **props)


def form_dialog(title, *fields: rx.Component, submit: str, on_submit, open, on_open_change, description: str = "",
                trigger: rx.Component | None = None, submit_id: str | None = None, max_width: str = "480px",
                reset_on_submit: bool = False) -> rx.Component:
    """A dialog holding one form: title, optional description, the fields, Cancel and submit."""
    return rx.dialog.root(
        rx.dialog.trigger(trigger) if trigger is not None else rx.fragment(),
        rx.dialog.content(
            rx.dialog.title(title),
            rx.dialog.description(description, size="2", color_scheme="gray") if description else rx.fragment(),
            rx.form(
                rx.vstack(
                    *fields,
                    rx.hstack(
                        rx.dialog.close(rx.button("Cancel", variant="soft", color_scheme="gray", type="button")),
                        rx.button(submit, type="submit", id=submit_id),
                        justify="end",
                        spacing="3",
                        width="100%",
                        margin_top="8px",
                    ),
                    spacing="3",
                ),
                on_submit=on_submit,
                reset_on_submit=reset_on_submit,
            ),
            max_width=max_width,
        ),
        open=open,
        on_open_change=on_open_change,
    )


def confirm_dialog(title, text, confirm: rx.Component, open, on_open_change, trigger: rx.Component | None = None) -> rx.Component:
    """Ask before something hard to undo: the question, what it does, Cancel and the action."""
    return rx.alert_dialog.root(
        rx.alert_dialog.trigger(trigger) if trigger is not None else rx.fragment(),
        rx.alert_dialog.content(
            rx.alert_dialog.title(title),
            rx.alert_dialog.description(text, size="2"),
            rx.hstack(
                rx.alert_dialog.cancel(rx.button("Cancel", variant="soft", color_scheme="gray")),
                confirm,
                justify="end",
                spacing="3",
                margin_top="16px",
            ),
            max_width="440px",
        ),
        open=open,
        on_open_change=on_open_change,
    )


def session_table(rows, on_revoke) -> rx.Component:
    """Login sessions with a sign-out button each (the profile and the admin's person page).
    On a phone the address goes under the device and the start date is left out."""
    return rx.box(
        rx.table.root(
            rx.table.header(rx.table.row(
                rx.table.column_header_cell("Device"), rx.table.column_header_cell("Address", display=WIDE_ONLY),
                rx.table.column_header_cell("Signed in", display=WIDE_ONLY), rx.table.column_header_cell("Last active"), rx.table.column_header_cell(""),
            )),
            rx.table.body(rx.foreach(rows, lambda s: rx.table.row(
                rx.table.cell(rx.vstack(
                    rx.hstack(rx.text(s["device"]), rx.cond(s["current"] == "yes", rx.badge("this device", color_scheme="green", variant="soft")), spacing="2", align="center", wrap="wrap"),
                    rx.text(s["ip"], size="1", color_scheme="gray", display=["block", "block", "none"]),
                    spacing="1",
                )),
                rx.table.cell(s["ip"], display=WIDE_ONLY),
                rx.table.cell(s["started"], display=WIDE_ONLY),
                rx.table.cell(s["last_seen"]),
                rx.table.cell(rx.cond(s["current"] == "yes", rx.fragment(), rx.button("Sign out", size="1", variant="soft", color_scheme="red", on_click=on_revoke(s["id"])))),
            ))),
            variant="surface",
            width="100%",
        ),
        overflow_x="auto",
        width="100%",
    )


def drop_zone(upload_id: str, icon: str, title, hint, accept: dict, on_drop, **props) -> rx.Component:
    """Where one file is dropped or chosen. `on_drop` is the event (or events) run with the
    file: it goes to a state's handler, never to the public upload folder."""
    return rx.upload.root(
        rx.vstack(
            rx.icon(icon, size=26, color=rx.color("accent", 10)),
            rx.text(title, size="2", weight="medium", align="center"),
            rx.text(hint, size="1", color_scheme="gray", align="center"),
            align="center",
            spacing="1",
        ),
        id=upload_id,
        accept=accept,
        max_files=1,
        multiple=False,
        on_drop=on_drop,
        border=f"2px dashed {rx.color('gray', 7)}",
        border_radius="10px",
        padding="24px 16px",
        width="100%",
        cursor="pointer",
        **props,
    )


def markdown(text, **props) -> rx.Component:
    """Markdown typed by people (lessons, announcements). Raw HTML inside it is shown as text,
    never rendered: content runs on the app's own origin."""
    return rx.markdown(text, use_raw=False, **props)

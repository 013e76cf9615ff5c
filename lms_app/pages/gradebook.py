"""The gradebook: the instructor's learners × items grid (/teach/courses/<id>/gradebook) and
the learner's own grades (/learn/courses/<id>/grades)."""

from __future__ import annotations

import reflex as rx

from lms_app.components.imports import csv_drop_zone
from lms_app.components.ui import empty_state, form_dialog, form_field, markdown
from lms_app.page_registry import SIGNED_IN, page
from lms_app.state.gradebook import (
    PAGE_SIZE, SORT_LABELS, CategoryLine, CategoryView, ColumnView, GradeLine, GradebookState, ImportRowView,
    ItemView, LearnerGradesState, RowView,
)

S = GradebookState
L = LearnerGradesState
UPLOAD_ID = "gradebook_csv"
LEARNER_COL = ["140px", "160px", "220px"]

# Sticky header row and first column inside one scrolling box (both directions).
GRID_STYLE = {
    "overflow": "auto",
    "max_height": "calc(100vh - 260px)",
    "min_height": "240px",
    "border": f"1px solid {rx.color('gray', 5)}",
    "border_radius": "8px",
    "background": rx.color("gray", 1),
    "& table": {"border_collapse": "separate", "border_spacing": "0", "font_size": "13px", "width": "max-content", "min_width": "100%"},
    "& th, & td": {"border_bottom": f"1px solid {rx.color('gray', 4)}", "padding": "4px 6px", "text_align": "left",
                   "background": rx.color("gray", 1), "vertical_align": "middle"},
    "& thead th": {"position": "sticky", "top": "0", "z_index": "2", "background": rx.color("gray", 2),
                   "border_bottom": f"1px solid {rx.color('gray', 6)}", "vertical_align": "bottom"},
    "& .gb-learner": {"position": "sticky", "left": "0", "z_index": "1", "width": LEARNER_COL, "min_width": LEARNER_COL,
                      "max_width": LEARNER_COL, "border_right": f"1px solid {rx.color('gray', 6)}"},
    "& thead .gb-learner": {"z_index": "3"},
    "& tbody th": {"font_weight": "normal"},
    "& .gb-item": {"width": "92px", "min_width": "92px", "max_width": "92px"},
    "& .gb-total": {"min_width": "96px"},
    "& tbody tr:hover td, & tbody tr:hover th": {"background": rx.color("accent", 2)},
}


def _sort_button(label: str, column: str, active, descending) -> rx.Component:
    return rx.button(
        label,
        rx.cond(active, rx.icon(rx.cond(descending, "arrow-down", "arrow-up"), size=12), rx.icon("arrow-up-down", size=12, opacity="0.4")),
        variant="ghost", size="1", color_scheme="gray", on_click=S.toggle_sort(column), id=f"sort-{column}",
        style={"font_weight": "600"},
    )


def _column_head(c: ColumnView) -> rx.Component:
    return rx.el.th(
        rx.vstack(
            rx.text(c.title, size="1", weight="bold", title=c.title,
                    style={"overflow": "hidden", "text_overflow": "ellipsis", "white_space": "nowrap", "max_width": "84px"}),
            rx.hstack(
                rx.tooltip(rx.icon(rx.match(c.kind, ("Quiz", "circle-help"), ("Assignment", "file-text"), "pencil-line"), size=12,
                                   color=rx.color("gray", 10)), content=c.kind),
                rx.text(c.max_points, " pts", size="1", color_scheme="gray", white_space="nowrap", weight="regular"),
                rx.cond(c.hidden, rx.tooltip(rx.icon("eye-off", size=12, color=rx.color("gray", 10)), content="Hidden from learners")),
                rx.cond(c.extra_credit, rx.tooltip(rx.icon("sparkles", size=12, color=rx.color("amber", 10)), content="Extra credit")),
                spacing="1", align="center",
            ),
            spacing="0",
        ),
        class_name="gb-item", scope="col",
    )


# Why the grid is drawn by memo components: every component that reads GradebookState re-renders
# on any change to it, so with the rows written inline an edit that changed one row var made
# React re-render all 50 rows × 50 cells (and the 50 column heads). A memo receives its vars
# as props and renders again only when they change; the browser keeps the identity of every
# var a delta leaves alone (state.js applyDelta), so an edit re-renders only its own row.

@rx.memo
def gradebook_heads(columns: rx.Var[list[ColumnView]]) -> rx.Component:
    return rx.fragment(rx.foreach(columns, _column_head))


def _cell(r, columns, text, index) -> rx.Component:
    column = columns[index]
    reason = r.reasons[index]
    label = "Grade of " + r.name + " on " + column.title
    cell_id = "cell-" + r.key + "-" + column.id
    return rx.el.td(
        rx.cond(
            column.manual,
            rx.input(
                default_value=text, key=cell_id + "-" + text, placeholder="–", size="1", width="72px",
                on_blur=S.save_manual(r.key, column.id), aria_label=label, class_name="gb-input", id=cell_id, input_mode="decimal",
            ),
            rx.tooltip(
                rx.button(
                    rx.cond(text != "", text, "–"),
                    rx.cond(reason != "", rx.icon("pencil", size=10)),
                    size="1", variant=rx.cond(reason != "", "soft", "ghost"), color_scheme=rx.cond(reason != "", "orange", "gray"),
                    on_click=S.open_override(r.key, column.id), aria_label=label, class_name="gb-override", id=cell_id,
                    style={"min_width": "56px", "justify_content": "start"},
                ),
                content=rx.cond(reason != "", "Overridden: " + reason, "Click to override"),
            ),
        ),
        class_name="gb-item",
    )


@rx.memo
def gradebook_row(row: rx.Var[RowView], columns: rx.Var[list[ColumnView]]) -> rx.Component:
    r = row
    return rx.cond(
        r.shown,
        rx.el.tr(
            rx.el.th(
                rx.vstack(
                    rx.text(r.name, weight="medium", size="2", style={"overflow": "hidden", "text_overflow": "ellipsis", "white_space": "nowrap"}, width="100%"),
                    rx.text(r.email, size="1", color_scheme="gray", style={"overflow": "hidden", "text_overflow": "ellipsis", "white_space": "nowrap"}, width="100%"),
                    spacing="0", width="100%",
                ),
                class_name="gb-learner", scope="row",
            ),
            rx.el.td(
                rx.vstack(
                    rx.hstack(rx.text(r.total, weight="bold", size="2", id="total-" + r.key, white_space="nowrap"),
                              rx.cond(r.letter != "", rx.badge(r.letter, size="1", variant="soft", id="letter-" + r.key)), spacing="2", align="center"),
                    rx.cond(r.learner_note != "", rx.text(r.learner_note, size="1", color_scheme="gray", white_space="nowrap")),
                    rx.cond(r.completed, rx.text("Completed", size="1", color_scheme="green")),
                    spacing="0",
                ),
                class_name="gb-total",
            ),
            rx.foreach(r.cells, lambda text, index: _cell(r, columns, text, index)),
            class_name="gb-row", custom_attrs={"data-email": r.email},
        ),
    )


def _grid() -> rx.Component:
    return rx.box(
        rx.el.table(
            rx.el.thead(rx.el.tr(
                rx.el.th(_sort_button("Learner", "name", S.sort.contains("name"), S.sort == "-name"), class_name="gb-learner", scope="col"),
                rx.el.th(_sort_button("Total", "total", S.sort.contains("total"), S.sort == "-total"), class_name="gb-total", scope="col"),
                gradebook_heads(columns=S.columns),
            )),
            rx.el.tbody(*[gradebook_row(row=getattr(S, f"row_{i}"), columns=S.columns) for i in range(PAGE_SIZE)]),
        ),
        style=GRID_STYLE, id="gradebook-grid", max_width="100%",
    )


def _toolbar() -> rx.Component:
    return rx.flex(
        rx.input(rx.input.slot(rx.icon("search", size=14)), placeholder="Find a learner by name or email", default_value=S.search,
                 on_change=S.set_search.debounce(300), width=["100%", "100%", "280px"], id="gradebook-search"),
        rx.select.root(
            rx.select.trigger(placeholder="Every group", id="gradebook-group"),
            rx.select.content(rx.select.item("Every group", value="all"), rx.foreach(S.groups, lambda g: rx.select.item(g.label, value=g.id))),
            value=S.group, on_change=S.set_group,
        ),
        rx.select.root(
            rx.select.trigger(id="gradebook-sort"),
            rx.select.content(*[rx.select.item(label, value=value) for value, label in SORT_LABELS.items()]),
            value=S.sort, on_change=S.set_sort,
        ),
        rx.spacer(),
        rx.text(S.range_label, size="2", color_scheme="gray", id="gradebook-range"),
        spacing="2", wrap="wrap", align="center", width="100%",
    )


def _pager() -> rx.Component:
    return rx.hstack(
        rx.button(rx.icon("chevron-left", size=14), "Previous", variant="soft", size="1", disabled=S.page <= 1,
                  on_click=S.go_page(S.page - 1), id="gradebook-prev"),
        rx.text("Page ", S.page, " of ", S.pages, size="2"),
        rx.button("Next", rx.icon("chevron-right", size=14), variant="soft", size="1", disabled=S.page >= S.pages,
                  on_click=S.go_page(S.page + 1), id="gradebook-next"),
        spacing="3", align="center", justify="end", width="100%",
    )


def _override_dialog() -> rx.Component:
    return form_dialog(
        "Override a grade",
        rx.text(S.edit_learner, " · ", S.edit_title, size="2", weight="medium"),
        rx.text(rx.cond(S.edit_points != "", "From the activity: " + S.edit_points + " of " + S.edit_max + " points.", "Not graded by the activity yet."),
                size="2", color_scheme="gray"),
        form_field("Points that count (0 to " + S.edit_max + "; leave blank to remove the override)",
                   rx.input(name="override", default_value=S.edit_override, key=S.edit_key + S.edit_item, id="override-points", input_mode="decimal")),
        form_field("Reason (kept in the audit trail)",
                   rx.text_area(name="reason", default_value=S.edit_reason, key="r" + S.edit_key + S.edit_item, id="override-reason",
                                placeholder="e.g. question 3 was ambiguous", rows="3")),
        submit="Save", submit_id="save-override", on_submit=S.save_override, open=S.edit_open, on_open_change=S.set_edit_open,
    )


def _category_row(c: CategoryView) -> rx.Component:
    return rx.table.row(
        rx.table.cell(c.name), rx.table.cell(c.weight, " %"), rx.table.cell(c.drop_lowest),
        rx.table.cell(rx.hstack(
            rx.icon_button(rx.icon("pencil", size=12), size="1", variant="ghost", on_click=S.open_category_form(c.id), aria_label="Edit " + c.name),
            rx.icon_button(rx.icon("trash-2", size=12), size="1", variant="ghost", color_scheme="red", on_click=S.delete_category(c.id), aria_label="Delete " + c.name),
            spacing="1", justify="end")),
    )


def _item_row(i: ItemView) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.text(i.title, size="2"), rx.text(i.kind, size="1", color_scheme="gray")),
        rx.table.cell(i.max_points), rx.table.cell(i.category),
        rx.table.cell(rx.hstack(rx.cond(i.extra_credit, rx.badge("Extra credit", size="1", color_scheme="amber")),
                                rx.cond(i.hidden, rx.badge("Hidden", size="1", color_scheme="gray")), spacing="1", wrap="wrap")),
        rx.table.cell(rx.hstack(
            rx.icon_button(rx.icon("pencil", size=12), size="1", variant="ghost", on_click=S.open_item_form(i.id), aria_label="Edit " + i.title),
            rx.cond(i.manual, rx.icon_button(rx.icon("trash-2", size=12), size="1", variant="ghost", color_scheme="red",
                                             on_click=S.delete_item(i.id), aria_label="Delete " + i.title)),
            spacing="1", justify="end")),
    )


def _category_form() -> rx.Component:
    f = S.category_form
    return rx.card(rx.form(
        rx.vstack(
            rx.heading(rx.cond(S.category_id != "", "Edit category", "New category"), size="3"),
            rx.flex(
                form_field("Name", rx.input(name="name", default_value=f.name, key="cn" + S.category_id, id="category-name", required=True)),
                form_field("Weight (% of the total)", rx.input(name="weight", default_value=f.weight, key="cw" + S.category_id, id="category-weight", input_mode="decimal")),
                form_field("Drop lowest", rx.input(name="drop_lowest", default_value=f.drop_lowest, key="cd" + S.category_id, id="category-drop", input_mode="numeric")),
                spacing="3", wrap="wrap",
            ),
            rx.hstack(rx.button("Cancel", type="button", variant="soft", color_scheme="gray", on_click=S.close_forms),
                      rx.button("Save category", type="submit", id="save-category"), spacing="2", justify="end", width="100%"),
            spacing="3",
        ),
        on_submit=S.save_category,
    ), width="100%")


def _item_form() -> rx.Component:
    f = S.item_form
    return rx.card(rx.form(
        rx.vstack(
            rx.heading(rx.cond(S.item_id != "", "Edit grade item", "New manual item"), size="3"),
            rx.flex(
                rx.cond(f.manual,
                        form_field("Title", rx.input(name="title", default_value=f.title, key="it" + S.item_id, id="item-title", required=True)),
                        form_field("Title", rx.text(f.title, " (follows its lesson)", size="2"))),
                form_field("Max points", rx.input(name="max_points", default_value=f.max_points, key="im" + S.item_id, id="item-max", input_mode="decimal")),
                form_field("Category", rx.el.select(
                    rx.el.option("Uncategorized", value=""),
                    rx.foreach(S.categories, lambda c: rx.el.option(c.name, value=c.id)),
                    name="category", default_value=f.category_id, key="ic" + S.item_id + f.category_id, id="item-category",
                    style={"padding": "6px", "border_radius": "6px", "border": f"1px solid {rx.color('gray', 7)}", "min_width": "160px"},
                )),
                spacing="3", wrap="wrap",
            ),
            rx.hstack(
                rx.el.label(rx.hstack(rx.checkbox(name="extra_credit", default_checked=f.extra_credit, key="ie" + S.item_id), rx.text("Extra credit", size="2"), spacing="2")),
                rx.el.label(rx.hstack(rx.checkbox(name="hidden", default_checked=f.hidden, key="ih" + S.item_id), rx.text("Hidden from learners", size="2"), spacing="2")),
                spacing="4", wrap="wrap",
            ),
            rx.hstack(rx.button("Cancel", type="button", variant="soft", color_scheme="gray", on_click=S.close_forms),
                      rx.button("Save item", type="submit", id="save-item"), spacing="2", justify="end", width="100%"),
            spacing="3",
        ),
        on_submit=S.save_item,
    ), width="100%")


def _setup_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("Categories and items"),
            rx.dialog.description("Weights are percents of the course total; a category without grades yet does not count. "
                                  "Items outside a category share what the weights leave of 100 %.", size="2", color_scheme="gray"),
            rx.vstack(
                rx.hstack(rx.heading("Categories", size="3"), rx.spacer(),
                          rx.button(rx.icon("plus", size=14), "Category", size="1", variant="soft", on_click=S.open_category_form(""), id="new-category"),
                          width="100%", align="center"),
                rx.cond(S.categories.length() > 0,
                        rx.table.root(rx.table.header(rx.table.row(rx.table.column_header_cell("Name"), rx.table.column_header_cell("Weight"),
                                                                   rx.table.column_header_cell("Drop"), rx.table.column_header_cell(""))),
                                      rx.table.body(rx.foreach(S.categories, _category_row)), size="1", width="100%"),
                        rx.text("No categories: the total is every point earned over every point possible.", size="2", color_scheme="gray")),
                rx.cond(S.category_form_open, _category_form()),
                rx.hstack(rx.heading("Items", size="3"), rx.spacer(),
                          rx.button(rx.icon("plus", size=14), "Manual item", size="1", variant="soft", on_click=S.open_item_form(""), id="new-item"),
                          width="100%", align="center", margin_top="12px"),
                rx.cond(S.item_form_open, _item_form()),
                rx.box(rx.table.root(rx.table.header(rx.table.row(rx.table.column_header_cell("Item"), rx.table.column_header_cell("Max"),
                                                                  rx.table.column_header_cell("Category"), rx.table.column_header_cell(""),
                                                                  rx.table.column_header_cell(""))),
                                     rx.table.body(rx.foreach(S.items, _item_row)), size="1", width="100%"), width="100%", overflow_x="auto"),
                rx.hstack(rx.dialog.close(rx.button("Done", variant="soft")), justify="end", width="100%"),
                spacing="3", width="100%",
            ),
            max_width="720px",
        ),
        open=S.setup_open, on_open_change=S.set_setup_open,
    )


def _scale_dialog() -> rx.Component:
    return form_dialog(
        "Letter scale",
        rx.text("One letter a line with the lowest percent that earns it; the lowest letter starts at 0.", size="2", color_scheme="gray"),
        rx.text_area(name="scale", default_value=S.scale_text, key=S.scale_text, rows="7", id="scale-text", font_family="monospace"),
        submit="Save scale", submit_id="save-scale", on_submit=S.save_scale, open=S.scale_open, on_open_change=S.set_scale_open,
        max_width="360px",
    )


def _import_row(r: ImportRowView) -> rx.Component:
    return rx.table.row(
        rx.table.cell(r.line), rx.table.cell(r.learner), rx.table.cell(r.item),
        rx.table.cell(rx.badge(r.outcome, size="1", color_scheme=rx.cond(r.error, "red", rx.cond(r.outcome == "unchanged", "gray", "green")))),
        rx.table.cell(rx.cond(r.error, rx.text(r.problem, size="1", color_scheme="red"), rx.text(r.change, size="1"))),
        class_name="gb-import-row",
    )


def _import_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("Import manual grades"),
            rx.dialog.description("A CSV with an email column and one column per manual item, named like the item (the export's "
                                  "file works). Blank cells leave grades as they are. Nothing is saved until every row is right.",
                                  size="2", color_scheme="gray"),
            rx.cond(
                S.import_checked,
                rx.vstack(
                    rx.callout(S.import_summary, icon=rx.cond(S.import_ok, "circle-check", "triangle-alert"),
                               color_scheme=rx.cond(S.import_ok, "green", "red"), width="100%", id="import-summary"),
                    rx.foreach(S.import_messages, lambda m: rx.text(m, size="2", color_scheme="gray")),
                    rx.box(rx.table.root(
                        rx.table.header(rx.table.row(*[rx.table.column_header_cell(h) for h in ("Line", "Learner", "Item", "Outcome", "")])),
                        rx.table.body(rx.foreach(S.import_rows, _import_row)), size="1", width="100%"),
                        max_height="40vh", overflow="auto", width="100%"),
                    rx.hstack(
                        rx.button("Choose another file", variant="soft", color_scheme="gray", on_click=S.reset_import),
                        rx.button("Import grades", disabled=~S.import_ok, on_click=S.commit_import, id="commit-import"),
                        spacing="2", justify="end", width="100%",
                    ),
                    spacing="3", width="100%",
                ),
                csv_drop_zone(UPLOAD_ID, S.upload_import, hint="UTF-8, up to 2 MB and 5,000 learners"),
            ),
            max_width="720px",
        ),
        open=S.import_open, on_open_change=S.set_import_open,
    )


def _actions() -> rx.Component:
    return rx.hstack(
        rx.menu.root(
            rx.menu.trigger(rx.button(rx.icon("download", size=14), "Export", rx.icon("chevron-down", size=14), variant="soft", id="gradebook-export")),
            rx.menu.content(
                rx.menu.item("CSV", on_click=S.export_csv, id="export-csv"),
                rx.menu.item("Excel (XLSX)", on_click=S.export_xlsx, id="export-xlsx"),
            ),
        ),
        rx.button(rx.icon("upload", size=14), "Import CSV", variant="soft", on_click=S.set_import_open(True), id="gradebook-import"),
        rx.cond(S.can_manage, rx.button(rx.icon("settings-2", size=14), "Categories & items", variant="soft", on_click=S.open_setup, id="gradebook-setup")),
        rx.cond(S.can_manage, rx.button(rx.icon("award", size=14), "Letter scale", variant="soft", on_click=S.open_scale, id="gradebook-scale")),
        spacing="2", wrap="wrap",
    )


@page("/teach/courses/[course_id]/gradebook", "Gradebook", permission="courses.teach", on_load=GradebookState.load)
def gradebook_page() -> rx.Component:
    return rx.cond(
        S.found,
        rx.vstack(
            rx.link(rx.hstack(rx.icon("arrow-left", size=14), rx.text(S.course_title, size="2"), spacing="1", align="center"),
                    href="/teach/courses/" + S.course_ref, color_scheme="gray"),
            rx.flex(rx.heading("Gradebook", size="7"), rx.spacer(), _actions(), wrap="wrap", spacing="3", align="center", width="100%"),
            _toolbar(),
            rx.cond(
                S.columns.length() == 0,
                empty_state("table", "No grade items yet", "Quizzes and assignments appear here by themselves; add a manual item "
                            "(e.g. participation) to grade something else.",
                            rx.cond(S.can_manage, rx.button("Add a manual item", on_click=[S.open_setup, S.open_item_form("")]))),
                rx.fragment(),
            ),
            rx.cond(S.count > 0, _grid(),
                    rx.cond(S.columns.length() > 0, empty_state("users", "No learners here", "Nobody matches: enroll learners from the Learners page, or clear the search."))),
            rx.cond(S.pages > 1, _pager()),
            _override_dialog(), _setup_dialog(), _scale_dialog(), _import_dialog(),
            spacing="3", width="100%",
        ),
        rx.center(rx.spinner(size="3"), padding="48px"),
    )


# --- the learner's grades -------------------------------------------------------------------------

def _grade_line(g: GradeLine) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.flex(
                rx.vstack(
                    rx.cond(g.lesson_href != "", rx.link(g.title, href=g.lesson_href, weight="medium", size="3"), rx.text(g.title, weight="medium", size="3")),
                    rx.text(g.kind, " · ", g.category, size="1", color_scheme="gray"),
                    spacing="0", min_width="0",
                ),
                rx.spacer(),
                rx.vstack(rx.text(g.points, weight="bold", size="3", white_space="nowrap"), rx.text(g.percent, size="1", color_scheme="gray"),
                          spacing="0", align="end"),
                width="100%", spacing="3", align="start",
            ),
            rx.cond(g.note != "", rx.badge(g.note, size="1", variant="soft", color_scheme="gray")),
            rx.cond(g.feedback != "", rx.box(markdown(g.feedback), padding="8px 12px", border_left=f"3px solid {rx.color('accent', 7)}",
                                             background=rx.color("accent", 2), border_radius="4px", width="100%", class_name="gb-feedback")),
            spacing="2", width="100%",
        ),
        width="100%", class_name="gb-grade",
    )


def _to_come_line(g: GradeLine) -> rx.Component:
    return rx.hstack(
        rx.icon("clock", size=14, color=rx.color("gray", 10)),
        rx.cond(g.lesson_href != "", rx.link(g.title, href=g.lesson_href, size="2"), rx.text(g.title, size="2")),
        rx.spacer(),
        rx.text(g.kind, " · ", g.points, size="1", color_scheme="gray", white_space="nowrap"),
        width="100%", align="center", class_name="gb-to-come",
    )


def _category_line(c: CategoryLine) -> rx.Component:
    return rx.hstack(rx.vstack(rx.text(c.name, size="2", weight="medium"), rx.text(c.weight, size="1", color_scheme="gray"), spacing="0"),
                     rx.spacer(), rx.text(c.percent, size="2", weight="bold"), width="100%", align="center")


@page("/learn/courses/[course_id]/grades", "My grades", permission=SIGNED_IN, on_load=LearnerGradesState.load)
def learner_grades_page() -> rx.Component:
    return rx.cond(
        L.found,
        rx.vstack(
            rx.link(rx.hstack(rx.icon("arrow-left", size=14), rx.text(L.course_title, size="2"), spacing="1", align="center"),
                    href="/learn/courses/" + L.course_ref, color_scheme="gray"),
            rx.heading("My grades", size="7"),
            rx.grid(
                rx.card(rx.vstack(
                    rx.text("Course total", size="2", color_scheme="gray"),
                    rx.hstack(rx.heading(L.total, size="8", id="my-total"), rx.cond(L.letter != "", rx.badge(L.letter, size="3", id="my-letter")),
                              align="center", spacing="3"),
                    rx.text("Counts what is graded so far.", size="1", color_scheme="gray"),
                    spacing="1",
                ), width="100%"),
                rx.card(rx.vstack(rx.text("By category", size="2", color_scheme="gray"), rx.foreach(L.category_lines, _category_line),
                                  spacing="2", width="100%"), width="100%"),
                columns=rx.breakpoints(initial="1", sm="2"), spacing="3", width="100%",
            ),
            rx.heading("Graded", size="4", margin_top="8px"),
            rx.cond(L.graded.length() > 0, rx.vstack(rx.foreach(L.graded, _grade_line), spacing="2", width="100%"),
                    rx.text("Nothing graded yet.", color_scheme="gray", size="2")),
            rx.cond(L.to_come.length() > 0, rx.vstack(
                rx.heading("Still to come", size="4", margin_top="8px"),
                rx.card(rx.vstack(rx.foreach(L.to_come, _to_come_line), spacing="2", width="100%"), width="100%", id="still-to-come"),
                spacing="2", width="100%",
            )),
            spacing="3", width="100%", max_width="820px",
        ),
        rx.center(rx.spinner(size="3"), padding="48px"),
    )


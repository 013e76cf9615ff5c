"""The gradebook pages: the instructor's grid (/teach/courses/<id>/gradebook) and the learner's
own grades (/learn/courses/<id>/grades). Thin adapters over services/gradebook.py, which
decides who may and computes every total.

Why the grid's rows are 50 separate vars (`row_0` … `row_49`) and not one list: Reflex sends
a var whole whenever it changes. With one `rows` list, saving one cell would re-send the
page's 50 rows × 50 items; with one var per row slot, an edit re-sends only the row it
changed (measured in bench/gradebook.py: `edit_ws_bytes`). The page renders the 50 slots
statically, each through the memo component `gradebook_row` (pages/gradebook.py) that gets its
row var as a prop, so the browser re-renders only the row that changed; an unused slot has
`shown` False.
"""

from __future__ import annotations

import dataclasses
import re

import reflex as rx
from sqlmodel import Session

from lms_app.assessments.gradebook_rules import UNCATEGORIZED
from lms_app.services import courses, gradebook
from lms_app.services.errors import Invalid
from lms_app.services.permissions import Actor
from lms_app.state.authoring import _course_in_path, _num, teaching
from lms_app.state.base import ActorMixin, read_upload, signed_in

PAGE_SIZE = gradebook.PAGE_SIZE
IMPORT_ROWS_SHOWN = 200
KIND_LABELS = {"quiz": "Quiz", "assignment": "Assignment", "manual": "Manual"}
LEARNER_KIND_LABELS = {"quiz": "Quiz", "assignment": "Assignment", "manual": "Graded by your instructor"}
SORT_LABELS = {"name": "Name A–Z", "-name": "Name Z–A", "-total": "Total, highest first", "total": "Total, lowest first"}


def _pts(value: float | None) -> str:
    if value is None:
        return ""
    return f"{round(value, 2):g}"


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f} %"


@dataclasses.dataclass
class ColumnView:
    id: str = ""
    title: str = ""
    kind: str = ""  # label: Quiz, Assignment, Manual
    max_points: str = ""
    category: str = ""
    manual: bool = False
    hidden: bool = False
    extra_credit: bool = False


@dataclasses.dataclass
class RowView:
    shown: bool = False
    key: str = ""  # the enrollment id
    name: str = ""
    email: str = ""
    completed: bool = False
    # One string per column (in `columns` order), kept small because a page is 50 × 50 of them:
    # the effective points ("" when not graded) and the override's reason ("" when none).
    cells: list[str] = dataclasses.field(default_factory=list)
    reasons: list[str] = dataclasses.field(default_factory=list)
    total: str = "—"
    letter: str = ""
    learner_note: str = ""  # what the learner sees, when hidden items make it differ


@dataclasses.dataclass
class OptionView:
    id: str
    label: str


@dataclasses.dataclass
class CategoryView:
    id: str
    name: str
    weight: str
    drop_lowest: str


@dataclasses.dataclass
class ItemView:
    id: str
    title: str
    kind: str
    max_points: str
    category_id: str
    category: str
    extra_credit: bool
    hidden: bool
    manual: bool


@dataclasses.dataclass
class ImportRowView:
    line: str
    learner: str
    item: str
    outcome: str
    change: str
    problem: str
    error: bool


def _row_view(row: gradebook.GridRow, item_ids: list[int]) -> RowView:
    cells = [_pts(row.scores[i].effective) if i in row.scores else "" for i in item_ids]
    reasons = [(row.reasons.get(i) or "(no reason)") if i in row.reasons else "" for i in item_ids]
    note = ""
    if row.learner_total.percent != row.total.percent:
        note = f"Learner sees {_pct(row.learner_total.percent)}"
    return RowView(True, str(row.enrollment_id), row.name, row.email, row.status == "completed", cells, reasons,
                   _pct(row.total.percent), row.total.letter, note)


class GradebookState(ActorMixin, rx.State):
    found: bool = False
    course_ref: str = ""
    course_title: str = ""
    can_manage: bool = False
    columns: list[ColumnView] = []
    count: int = 0
    page: int = 1
    pages: int = 1
    sort: str = "name"
    search: str = ""
    group: str = "all"
    groups: list[OptionView] = []
    # The override dialog.
    edit_open: bool = False
    edit_key: str = ""
    edit_item: str = ""
    edit_learner: str = ""
    edit_title: str = ""
    edit_max: str = ""
    edit_points: str = ""  # the activity's points
    edit_override: str = ""
    edit_reason: str = ""
    # Categories, items and the letter scale.
    setup_open: bool = False
    categories: list[CategoryView] = []
    items: list[ItemView] = []
    category_form_open: bool = False
    category_id: str = ""
    item_form_open: bool = False
    item_id: str = ""
    item_form: ItemView = ItemView("", "", "Manual", "10", "", "", False, False, True)
    category_form: CategoryView = CategoryView("", "", "0", "0")
    scale_open: bool = False
    scale_text: str = ""
    scale_rows: list[OptionView] = []
    # Import.
    import_open: bool = False
    import_checked: bool = False
    import_ok: bool = False
    import_rows: list[ImportRowView] = []
    import_summary: str = ""
    import_messages: list[str] = []
    _import_csv: str = ""
    # Which row slot shows which enrollment (server side only).
    _slots: dict[str, int] = {}

    # One var per row slot: an edit re-sends one row, not the page (see the module docstring).
    for _i in range(PAGE_SIZE):
        __annotations__[f"row_{_i}"] = RowView
        locals()[f"row_{_i}"] = RowView()
    del _i

    @rx.var
    def range_label(self) -> str:
        if self.count == 0:
            return "No learners"
        first = (self.page - 1) * PAGE_SIZE + 1
        last = min(self.count, self.page * PAGE_SIZE)
        return f"{first}–{last} of {self.count:,} learner{'s' if self.count != 1 else ''}"

    @rx.var
    def sort_label(self) -> str:
        return SORT_LABELS.get(self.sort, "")

    def _course_id(self) -> int:
        return _course_in_path(self.router.url.path)

    def _fill(self, session: Session, actor: Actor) -> None:
        result = gradebook.grid(session, actor, self._course_id(), page=self.page, page_size=PAGE_SIZE, sort=self.sort,
                                group_id=_num(self.group) or None, search=self.search)
        book = result.book
        if not self.found:
            self.found, self.course_ref, self.course_title = True, str(book.course.id), book.course.title
            self.can_manage = courses.can_author(session, actor, book.course)
        self.columns = [ColumnView(str(i.id), i.title, KIND_LABELS.get(i.kind, i.kind), _pts(i.max_points),
                                   i.category or UNCATEGORIZED, i.manual, i.hidden, i.extra_credit) for i in book.items]
        self.count, self.page, self.pages = result.count, result.page, result.pages
        self.groups = [OptionView(str(g.id), g.name) for g in result.groups]
        self._slots = {}
        for slot in range(PAGE_SIZE):
            if slot < len(result.rows):
                view = _row_view(result.rows[slot], [i.id for i in book.items])
                self._slots[view.key] = slot
            else:
                view = RowView()
            setattr(self, f"row_{slot}", view)

    def _refresh_row(self, session: Session, actor: Actor, key: str) -> None:
        """Re-read one learner's row and put it in its slot: the only row var that changes."""
        slot = self._slots.get(key)
        if slot is None:
            return
        row = gradebook.grid_row(session, actor, self._course_id(), _num(key))
        setattr(self, f"row_{slot}", _row_view(row, [_num(c.id) for c in self.columns]))

    @rx.event
    @teaching
    def load(self, session: Session, actor: Actor):
        self.found, self.page, self.sort, self.search, self.group = False, 1, "name", "", "all"
        self.edit_open = self.setup_open = self.scale_open = self.import_open = False
        self._fill(session, actor)

    @rx.event
    @teaching
    def set_search(self, session: Session, actor: Actor, value: str):
        self.search, self.page = str(value or "")[:100], 1
        self._fill(session, actor)

    @rx.event
    @teaching
    def set_group(self, session: Session, actor: Actor, value: str):
        self.group, self.page = str(value or "all"), 1
        self._fill(session, actor)

    @rx.event
    @teaching
    def set_sort(self, session: Session, actor: Actor, value: str):
        self.sort, self.page = (value if value in gradebook.SORTS else "name"), 1
        self._fill(session, actor)

    @rx.event
    @teaching
    def toggle_sort(self, session: Session, actor: Actor, column: str):
        """A click on the Learner or Total header: sort by it, or turn the order around."""
        if column == "total":
            self.sort = "total" if self.sort == "-total" else "-total"
        else:
            self.sort = "-name" if self.sort == "name" else "name"
        self.page = 1
        self._fill(session, actor)

    @rx.event
    @teaching
    def go_page(self, session: Session, actor: Actor, page: int):
        self.page = max(1, int(page) if str(page).lstrip("-").isdigit() else 1)
        self._fill(session, actor)

    # --- grades ------------------------------------------------------------------------------

    @rx.event
    @teaching
    def save_manual(self, session: Session, actor: Actor, key: str, item_id: str, value: str):
        """A manual grade typed in its cell (on leaving the cell); only that row is re-sent."""
        slot = self._slots.get(str(key))
        column = next((n for n, c in enumerate(self.columns) if c.id == str(item_id)), None)
        if slot is not None and column is not None:
            cells = getattr(self, f"row_{slot}").cells
            if column < len(cells) and cells[column] == str(value or "").strip():
                return None
        gradebook.set_entry(session, actor, _num(key), _num(item_id), value)
        self._refresh_row(session, actor, str(key))
        return None

    @rx.event
    @teaching
    def open_override(self, session: Session, actor: Actor, key: str, item_id: str):
        row = gradebook.grid_row(session, actor, self._course_id(), _num(key))
        column = next((c for c in self.columns if c.id == str(item_id)), None)
        if column is None:
            raise Invalid("That grade item does not exist.")
        score = row.scores.get(_num(item_id))
        self.edit_key, self.edit_item, self.edit_learner = str(key), str(item_id), row.name
        self.edit_title, self.edit_max = column.title, column.max_points
        self.edit_points = _pts(score.points) if score else ""
        self.edit_override = _pts(score.override) if score else ""
        self.edit_reason = row.reasons.get(_num(item_id), "")
        self.edit_open = True

    @rx.event
    def set_edit_open(self, value: bool):
        self.edit_open = bool(value)

    @rx.event
    @teaching
    def save_override(self, session: Session, actor: Actor, form: dict):
        gradebook.set_override(session, actor, _num(self.edit_key), _num(self.edit_item), form.get("override", ""), form.get("reason", ""))
        self.edit_open = False
        self._refresh_row(session, actor, self.edit_key)
        cleared = not str(form.get("override", "")).strip()
        return rx.toast.success("Override removed." if cleared else "Grade overridden.")

    # --- categories, items, scale --------------------------------------------------------------

    def _fill_setup(self, session: Session, actor: Actor) -> None:
        book = gradebook.book(session, actor, self._course_id())
        self.categories = [CategoryView(str(c.id), c.name, _pts(c.weight), str(c.drop_lowest)) for c in book.categories]
        self.items = [ItemView(str(i.id), i.title, KIND_LABELS.get(i.kind, i.kind), _pts(i.max_points), str(i.category_id or ""),
                               i.category or UNCATEGORIZED, i.extra_credit, i.hidden, i.manual) for i in book.items]
        self.scale_rows = [OptionView(letter, f"{minimum:g} %") for letter, minimum in book.scale]
        self.scale_text = gradebook.scale_text(book.scale)

    @rx.event
    @teaching
    def open_setup(self, session: Session, actor: Actor):
        self._fill_setup(session, actor)
        self.setup_open, self.category_form_open, self.item_form_open = True, False, False

    @rx.event
    def set_setup_open(self, value: bool):
        self.setup_open = bool(value)

    @rx.event
    def open_category_form(self, category_id: str):
        found = next((c for c in self.categories if c.id == str(category_id)), None)
        self.category_form = found or CategoryView("", "", "0", "0")
        self.category_id = found.id if found else ""
        self.category_form_open, self.item_form_open = True, False

    @rx.event
    def open_item_form(self, item_id: str):
        found = next((i for i in self.items if i.id == str(item_id)), None)
        self.item_form = found or ItemView("", "", "Manual", "10", "", "", False, False, True)
        self.item_id = found.id if found else ""
        self.item_form_open, self.category_form_open = True, False

    @rx.event
    def close_forms(self):
        self.item_form_open = self.category_form_open = False

    def _setup_changed(self, session: Session, actor: Actor, message: str):
        """After categories or items changed: the forms close, the setup and the grid follow."""
        self.item_form_open = self.category_form_open = False
        self._fill_setup(session, actor)
        self._fill(session, actor)
        return rx.toast.success(message)

    @rx.event
    @teaching
    def save_category(self, session: Session, actor: Actor, form: dict):
        gradebook.save_category(session, actor, self._course_id(), _num(self.category_id) or None, form.get("name", ""),
                                form.get("weight", "0"), form.get("drop_lowest", "0"))
        return self._setup_changed(session, actor, "Category saved.")

    @rx.event
    @teaching
    def delete_category(self, session: Session, actor: Actor, category_id: str):
        gradebook.delete_category(session, actor, self._course_id(), _num(category_id))
        return self._setup_changed(session, actor, "Category deleted: its items are now uncategorized.")

    @rx.event
    @teaching
    def save_item(self, session: Session, actor: Actor, form: dict):
        category = form.get("category", "")
        gradebook.save_item(session, actor, self._course_id(), _num(self.item_id) or None, title=form.get("title", ""),
                            max_points=form.get("max_points", ""), category_id=_num(category) or None,
                            extra_credit=bool(form.get("extra_credit")), hidden=bool(form.get("hidden")))
        return self._setup_changed(session, actor, "Grade item saved.")

    @rx.event
    @teaching
    def delete_item(self, session: Session, actor: Actor, item_id: str):
        gradebook.delete_item(session, actor, self._course_id(), _num(item_id))
        return self._setup_changed(session, actor, "Grade item deleted.")

    @rx.event
    @teaching
    def open_scale(self, session: Session, actor: Actor):
        self._fill_setup(session, actor)
        self.scale_open = True

    @rx.event
    def set_scale_open(self, value: bool):
        self.scale_open = bool(value)

    @rx.event
    @teaching
    def save_scale(self, session: Session, actor: Actor, form: dict):
        gradebook.set_scale(session, actor, self._course_id(), gradebook.parse_scale(form.get("scale", "")))
        self.scale_open = False
        self._fill_setup(session, actor)
        self._fill(session, actor)
        return rx.toast.success("Letter scale saved.")

    # --- export and import ---------------------------------------------------------------------

    def _slug(self) -> str:
        return re.sub(r"[^a-z0-9]+", "-", self.course_title.lower()).strip("-")[:60] or "course"

    @rx.event
    @teaching
    def export_csv(self, session: Session, actor: Actor):
        text = gradebook.export_csv(session, actor, self._course_id())
        return rx.download(data=text, filename=f"gradebook-{self._slug()}.csv", mime_type="text/csv")

    @rx.event
    @teaching
    def export_xlsx(self, session: Session, actor: Actor):
        data = gradebook.export_xlsx(session, actor, self._course_id())
        return rx.download(data=data, filename=f"gradebook-{self._slug()}.xlsx",
                           mime_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")

    @rx.event
    def set_import_open(self, value: bool):
        self.import_open = bool(value)
        self.reset_import()

    @rx.event
    def reset_import(self):
        self.import_checked, self.import_ok, self.import_rows, self.import_summary, self.import_messages = False, False, [], "", []
        self._import_csv = ""

    @teaching
    def _check_import(self, session: Session, actor: Actor, text: str):
        preview = gradebook.preview_import(session, actor, self._course_id(), text)
        self._import_csv = text
        self.import_checked, self.import_ok = True, preview.ok
        errors_first = sorted(preview.rows, key=lambda r: (r.outcome not in gradebook.ERROR_OUTCOMES, r.line))
        self.import_rows = [
            ImportRowView(str(r.line) if r.line > 1 else "header", r.name or r.email, r.item, r.label,
                          f"{_pts(r.before) or '—'} → {_pts(r.after)}" if r.outcome in ("change", "unchanged") else "",
                          r.problem, r.outcome in gradebook.ERROR_OUTCOMES)
            for r in errors_first[:IMPORT_ROWS_SHOWN]]
        parts = [f"{preview.count('change')} will change", f"{preview.count('unchanged')} unchanged"]
        if preview.errors:
            parts.append(f"{preview.errors} with problems")
        self.import_summary = ", ".join(parts)
        self.import_messages = preview.file_errors + ([f"Columns read past (graded by their lessons): {', '.join(preview.ignored_columns)}"]
                                                      if preview.ignored_columns else [])
        return None

    @rx.event
    async def upload_import(self, files: list[rx.UploadFile]):
        """A CSV of manual grades dropped on the import dialog: previewed, nothing saved."""
        return self._check_import(await read_upload(files))

    @rx.event
    @teaching
    def commit_import(self, session: Session, actor: Actor):
        result = gradebook.import_manual_grades(session, actor, self._course_id(), self._import_csv)
        self.import_open = False
        self.reset_import()
        self._fill(session, actor)
        return rx.toast.success(f"{result.changed} grade{'s' if result.changed != 1 else ''} imported.")


# --- the learner's own grades -------------------------------------------------------------------

@dataclasses.dataclass
class GradeLine:
    title: str
    kind: str
    category: str
    points: str  # "8 / 10"
    percent: str
    feedback: str
    note: str  # dropped, extra credit, adjusted
    lesson_href: str


@dataclasses.dataclass
class CategoryLine:
    name: str
    weight: str
    percent: str


class LearnerGradesState(ActorMixin, rx.State):
    found: bool = False
    course_ref: str = ""
    course_title: str = ""
    total: str = "—"
    letter: str = ""
    graded: list[GradeLine] = []
    to_come: list[GradeLine] = []
    category_lines: list[CategoryLine] = []

    @rx.event
    @signed_in
    def load(self, session: Session, actor: Actor):
        self.found = False
        parts = (self.router.url.path or "").strip("/").split("/")
        course_id = _num(parts[2]) if len(parts) > 2 else 0
        mine = gradebook.learner_grades(session, actor, course_id)
        base = f"/learn/courses/{mine.course.id}/"

        def line(i: gradebook.LearnerItem) -> GradeLine:
            notes = [n for n, on in (("dropped (lowest)", i.dropped), ("extra credit", i.extra_credit), ("adjusted by your instructor", i.overridden)) if on]
            pct = "" if i.points is None or i.max_points <= 0 else f"{i.points / i.max_points * 100:.0f} %"
            return GradeLine(i.title, LEARNER_KIND_LABELS.get(i.kind, i.kind), i.category,
                             f"{_pts(i.points)} / {_pts(i.max_points)}" if i.points is not None else f"out of {_pts(i.max_points)}",
                             pct, i.feedback, ", ".join(notes).capitalize(), base + str(i.lesson_id) if i.lesson_id else "")

        self.course_ref, self.course_title = str(mine.course.id), mine.course.title
        self.graded = [line(i) for i in mine.items]
        self.to_come = [line(i) for i in mine.still_to_come]
        self.total, self.letter = _pct(mine.total.percent), mine.total.letter
        self.category_lines = [
            CategoryLine(c.name, f"{c.share:.0f} % of the total" if c.share else ("not counted yet" if c.percent is None else "not weighted"),
                         _pct(c.percent))
            for c in mine.total.categories]
        self.found = True

"""Dashboard building blocks: a chart with its data table and export buttons, a plain data
table, a key figure."""

from __future__ import annotations

import reflex as rx

# The modebar keeps what a reader uses: PNG download, zoom, reset; no Plotly logo.
def _config(filename: str) -> dict:
    return {
        "displaylogo": False,
        "responsive": True,
        "modeBarButtonsToRemove": ["select2d", "lasso2d", "autoScale2d", "toggleSpikelines", "hoverClosestCartesian",
                                   "hoverCompareCartesian"],
        "toImageButtonOptions": {"format": "png", "filename": filename, "scale": 2},
    }


def export_buttons(on_csv, on_xlsx, label: str, on_pdf=None) -> rx.Component:
    """CSV and Excel (and, for reports that get printed, PDF) downloads of a table."""
    return rx.hstack(
        rx.button(rx.icon("download", size=14), "CSV", size="1", variant="soft", on_click=on_csv, aria_label=f"Export {label} as CSV"),
        rx.button(rx.icon("sheet", size=14), "Excel", size="1", variant="soft", on_click=on_xlsx, aria_label=f"Export {label} as Excel"),
        *([rx.button(rx.icon("file-text", size=14), "PDF", size="1", variant="soft", on_click=on_pdf, aria_label=f"Export {label} as PDF")]
          if on_pdf is not None else []),
        spacing="2",
    )


def data_table(columns: list[str], rows: rx.Var, *, numeric_from: int = 1, max_height: str = "320px") -> rx.Component:
    """Rows of already formatted cells under fixed column names; columns from `numeric_from`
    on are right-aligned (numbers)."""
    def cell(value, i):
        return rx.table.cell(value, text_align=rx.cond(i >= numeric_from, "right", "left"), white_space="nowrap")

    return rx.box(
        rx.table.root(
            rx.table.header(rx.table.row(*[
                rx.table.column_header_cell(c, text_align="right" if i >= numeric_from else "left", white_space="nowrap")
                for i, c in enumerate(columns)
            ])),
            rx.table.body(rx.foreach(rows, lambda row: rx.table.row(rx.foreach(row, cell)))),
            size="1",
            variant="surface",
            width="100%",
        ),
        max_height=max_height,
        overflow="auto",
        width="100%",
    )


def chart_card(title: str, figure: rx.Var, columns: list[str], rows: rx.Var, *, empty: rx.Var, empty_text: str,
               on_csv, on_xlsx, description: str = "", chart_id: str = "", height: str = "300px",
               numeric_from: int = 1) -> rx.Component:
    """A titled chart with its data table below and the table's exports. With no data it shows
    `empty_text` (what will appear, and when) instead of an empty chart."""
    slug = chart_id or title.lower().replace(" ", "-")
    return rx.card(
        rx.vstack(
            rx.flex(
                rx.vstack(rx.heading(title, size="3"), rx.cond(description != "", rx.text(description, size="1", color_scheme="gray")),
                          spacing="1"),
                rx.spacer(),
                rx.cond(~empty, export_buttons(on_csv, on_xlsx, title)),
                width="100%", gap="8px", wrap="wrap", align="start",
            ),
            rx.cond(
                empty,
                rx.callout(empty_text, icon="chart-no-axes-column", variant="surface", color_scheme="gray", width="100%"),
                rx.vstack(
                    rx.box(rx.plotly(data=figure, config=_config(slug), use_resize_handler=True, width="100%", height=height),
                           width="100%", id=f"chart-{slug}"),
                    data_table(columns, rows, numeric_from=numeric_from),
                    width="100%", spacing="3",
                ),
            ),
            width="100%", spacing="3",
        ),
        width="100%",
    )


def key_figure(label: str, value: rx.Var | str, hint: rx.Var | str = "", *, tone: rx.Var | str = "gray") -> rx.Component:
    """One number a reader looks for first (completion rate, overdue, active users)."""
    return rx.card(
        rx.vstack(
            rx.text(label, size="2", color_scheme="gray"),
            rx.heading(value, size="7"),
            rx.text(hint, size="1", color_scheme=tone),
            spacing="1",
        ),
        width="100%",
    )

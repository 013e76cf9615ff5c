"""Plotly figures for the dashboards, built on the server.

Each figure carries an empty template: the page's chart component supplies Plotly's light or
dark template to follow the colour mode, so the figure itself stays small on the wire. Every
trace has a hover template in words; the data table next to each chart holds the same
numbers.
"""

from __future__ import annotations

from collections.abc import Sequence

import plotly.graph_objects as go

# Radix accent-ish colours that read on light and dark backgrounds alike.
PALETTE = ["#3e63dd", "#30a46c", "#f76b15", "#e5484d", "#8e4ec6", "#12a594", "#ffc53d", "#d6409f"]


def _layout(fig: go.Figure, *, x_title: str = "", y_title: str = "", legend: bool = True, horizontal: bool = False,
            percent_axis: bool = False) -> go.Figure:
    value_axis = dict(title=y_title if not horizontal else x_title, ticksuffix="%" if percent_axis else "",
                      range=[0, 100] if percent_axis else None, rangemode="tozero", gridcolor="rgba(128,128,128,0.2)")
    label_axis = dict(title=x_title if not horizontal else y_title, automargin=True)
    fig.update_layout(
        template=go.layout.Template(),
        margin=dict(l=8, r=8, t=40, b=8),  # room for the modebar (always shown on touch screens)
        paper_bgcolor="rgba(0,0,0,0)",
        plot_bgcolor="rgba(0,0,0,0)",
        font=dict(family="inherit", size=12),
        colorway=PALETTE,
        showlegend=legend,
        legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0),
        hovermode="closest",
        xaxis=label_axis if not horizontal else value_axis,
        yaxis=value_axis if not horizontal else dict(label_axis, autorange="reversed"),
    )
    return fig


def bars(labels: Sequence[str], series: dict[str, Sequence[float]], *, unit: str = "", x_title: str = "", y_title: str = "",
         horizontal: bool = False, percent: bool = False, stacked: bool = False) -> go.Figure:
    """One bar per label for each named series (several series: grouped, or stacked)."""
    suffix = "%" if percent else (f" {unit}" if unit else "")
    fig = go.Figure()
    for name, values in series.items():
        vals = [None if v is None else float(v) for v in values]
        hover = f"%{{{'y' if horizontal else 'x'}}}<br>{name}: %{{{'x' if horizontal else 'y'}:,.4~g}}{suffix}<extra></extra>"
        fig.add_trace(go.Bar(x=vals if horizontal else list(labels), y=list(labels) if horizontal else vals, name=name,
                             orientation="h" if horizontal else "v", hovertemplate=hover))
    if stacked:
        fig.update_layout(barmode="stack")
    return _layout(fig, x_title=x_title, y_title=y_title, legend=len(series) > 1, horizontal=horizontal, percent_axis=percent)


def lines(x: Sequence, series: dict[str, Sequence[float]], *, unit: str = "", x_title: str = "", y_title: str = "",
          percent: bool = False) -> go.Figure:
    """A line per named series over `x` (dates or labels), with markers for short series."""
    suffix = "%" if percent else (f" {unit}" if unit else "")
    fig = go.Figure()
    for name, values in series.items():
        fig.add_trace(go.Scatter(x=list(x), y=[None if v is None else float(v) for v in values], name=name,
                                 mode="lines+markers" if len(x) <= 31 else "lines",
                                 hovertemplate=f"%{{x}}<br>{name}: %{{y:,.4~g}}{suffix}<extra></extra>"))
    return _layout(fig, x_title=x_title, y_title=y_title, legend=len(series) > 1, percent_axis=percent)


def funnel(labels: Sequence[str], values: Sequence[int], *, name: str = "Learners") -> go.Figure:
    """How many reached each step, in order (drop-off between steps shown in the hover)."""
    fig = go.Figure(go.Funnel(y=list(labels), x=[int(v) for v in values], name=name, textinfo="value+percent initial",
                              hovertemplate="%{y}<br>" + name + ": %{x:,}<br>%{percentInitial:.0%} of the first step<extra></extra>"))
    fig = _layout(fig, legend=False)
    fig.update_layout(yaxis=dict(automargin=True), xaxis=dict(visible=False))
    return fig

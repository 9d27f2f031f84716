"""Server-rendered SVG charts: pure functions from numbers to markup.

No JavaScript and no external assets, so the charts print and work on any phone.
Each chart is an `role="img"` SVG with <title> and <desc>, followed by a table
holding the same numbers: visually hidden for the trend and the heatmap, shown as
the legend of the distribution bar. Labels and the number format arrive from the
caller (already translated, localised): these functions know nothing of Flask.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import count

from markupsafe import Markup, escape

# Level 1 (very dissatisfied) to 5 (very satisfied); each has AA contrast with white text.
LEVEL_COLOURS = ("#a3121f", "#c0461b", "#6b7685", "#2f7d4f", "#17603a")
BAR_COLOUR = "#0b5cad"
EMPTY_COLOUR = "#e4e8ee"
# A period too thin to measure: hatched and outlined, so it never reads as a 0% bar.
PLACEHOLDER_STROKE = "#6b7685"
_ids = count(1)


@dataclass(frozen=True)
class TrendPoint:
    label: str
    pct: float | None  # None: too few answers to show
    responses: int


def _fmt(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _open(kind: str, width: int, height: int, title: str, desc: str) -> tuple[str, str]:
    uid = f"{kind}-{next(_ids)}"
    head = (f'<svg class="chart {kind}" viewBox="0 0 {width} {height}" role="img" '
            f'aria-labelledby="{uid}-t {uid}-d" preserveAspectRatio="xMinYMin meet" '
            f'xmlns="http://www.w3.org/2000/svg">'
            f'<title id="{uid}-t">{escape(title)}</title><desc id="{uid}-d">{escape(desc)}</desc>')
    return uid, head


def _swatch(colour: str) -> str:
    # An SVG square rather than a CSS background: browsers drop backgrounds when printing.
    return (f'<svg class="swatch" width="14" height="14" viewBox="0 0 14 14" aria-hidden="true" focusable="false">'
            f'<rect width="14" height="14" fill="{colour}"/></svg>')


def _table(caption: str, headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    # A header cell may not be empty (screen readers announce nothing): the corner cell names the rows.
    head = "".join(f'<th scope="col">{escape(h) or escape(caption)}</th>' for h in headers)
    body = "".join(
        "<tr>" + f'<th scope="row">{escape(row[0])}</th>' + "".join(f"<td>{escape(c)}</td>" for c in row[1:]) + "</tr>"
        for row in rows
    )
    # The wrapper hides it: browsers ignore overflow on a table box itself.
    return (f'<div class="visually-hidden"><table><caption>{escape(caption)}</caption>'
            f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>")


def distribution_bar(counts: dict[str, int], level_labels: Sequence[str], title: str,
                     count_header: str, share_header: str, number: Callable[[float], str] = _fmt,
                     withheld: bool = False, too_few: str = "") -> Markup:
    """One 100% bar split into the five levels; its legend is a visible table giving
    each level's label, count and share, which screen readers read as well. A
    `withheld` distribution (the small-cell rule's call) shows neither counts nor
    shares: the bar becomes a hatched placeholder and each cell a "–" explained by
    `too_few`."""
    thin = withheld
    total = 0 if thin else sum(counts.get(str(level), 0) for level in range(1, 6))
    width, height = 600, 36
    uid, svg = _open("distribution", width, height, title,
                     too_few if thin else
                     "; ".join(f"{label}: {counts.get(str(i + 1), 0)}" for i, label in enumerate(level_labels)))
    parts = [svg]
    x = 0.0
    if thin:
        parts.append(f'{_hatch(f"{uid}-hatch")}<g class="placeholder"><title>{escape(too_few)}</title>'
                     f'<rect x="0.5" y="0.5" width="{width - 1}" height="{height - 1}" fill="url(#{uid}-hatch)" '
                     f'stroke="{PLACEHOLDER_STROKE}" stroke-dasharray="4 3"/>'
                     f'<text x="{width / 2}" y="24" text-anchor="middle" font-size="17" fill="#3d4653">–</text></g>')
    elif total == 0:
        parts.append(f'<rect x="0" y="0" width="{width}" height="{height}" fill="{EMPTY_COLOUR}"/>')
    for i in range(5):
        n = counts.get(str(i + 1), 0)
        if thin or not total or not n:
            continue
        w = width * n / total
        parts.append(f'<rect x="{x:.2f}" y="0" width="{w:.2f}" height="{height}" fill="{LEVEL_COLOURS[i]}">'
                     f'<title>{escape(level_labels[i])}: {n}</title></rect>')
        if w >= 52:
            parts.append(f'<text x="{x + w / 2:.2f}" y="24" text-anchor="middle" fill="#fff" '
                         f'font-size="17">{escape(number(100 * n / total))}%</text>')
        x += w
    parts.append("</svg>")
    head = (f'<th scope="col"><span class="visually-hidden">{escape(title)}</span></th>'
            f'<th scope="col" class="num">{escape(count_header)}</th>'
            f'<th scope="col" class="num">{escape(share_header)}</th>')
    if thin:  # the same dash as the tables' suppressed figures: tooltip, and the reason for screen readers
        why = escape(too_few)
        no_share = (f'<span class="too-few"><abbr title="{why}" aria-hidden="true">–</abbr>'
                    f'<span class="visually-hidden">{why}</span></span>')
    body = []
    for i, label in enumerate(level_labels):
        n = no_share if thin else counts.get(str(i + 1), 0)
        share = no_share if thin else escape(f"{number(100 * n / total)}%" if total else "–")
        body.append(f'<tr data-level="{i + 1}">'
                    f'<th scope="row">{_swatch(LEVEL_COLOURS[i])} {i + 1} · {escape(label)}</th>'
                    f'<td class="num">{n}</td><td class="num">{share}</td></tr>')
    legend = (f'<table class="legend"><caption class="visually-hidden">{escape(title)}</caption>'
              f'<thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>')
    note = f'<p class="chart-note"><strong aria-hidden="true">–</strong> {escape(too_few)}</p>' if thin else ""
    return Markup("".join(parts) + legend + note)


def trend_bars(points: Sequence[TrendPoint], title: str, pct_header: str, n_header: str,
               too_few: str, number: Callable[[float], str] = _fmt) -> Markup:
    """Satisfaction % per week or month as bars. A period with too few answers is a
    hatched, outlined placeholder marked "–" (and `too_few` in its tooltip, the table
    and a note under the chart), never a bar that looks like a measured 0%."""
    width, height, top, bottom, left = 640, 220, 12, 40, 34
    plot_h = height - top - bottom
    slot = (width - left - 10) / max(len(points), 1)  # room for the last label
    desc = "; ".join(f"{p.label}: {number(p.pct) + '%' if p.pct is not None else too_few} (n = {p.responses})"
                     for p in points)
    uid, svg = _open("trend", width, height, title, desc)
    parts = [svg]
    thin = any(p.pct is None for p in points)
    if thin:
        parts.append(_hatch(f"{uid}-hatch"))
    for level in (0, 50, 100):
        y = top + plot_h * (1 - level / 100)
        parts.append(f'<line x1="{left}" x2="{width - 10}" y1="{y:.1f}" y2="{y:.1f}" stroke="#c9d0da" stroke-width="1"/>'
                     f'<text x="{left - 4}" y="{y + 4:.1f}" text-anchor="end" font-size="11" fill="#3d4653">'
                     f'{level}%</text>')
    label_every = max(1, round(len(points) / 8))  # keep axis labels from overlapping
    for i, point in enumerate(points):
        x = left + i * slot + slot * 0.15
        w = slot * 0.7
        if point.pct is None:
            tip = f"{point.label}: {too_few} (n = {point.responses})"
            parts.append(f'<g class="placeholder"><title>{escape(tip)}</title>'
                         f'<rect x="{x:.1f}" y="{top:.1f}" width="{w:.1f}" height="{plot_h:.1f}" '
                         f'fill="url(#{uid}-hatch)" stroke="{PLACEHOLDER_STROKE}" stroke-width="1" '
                         f'stroke-dasharray="4 3"/>'
                         f'<text x="{x + w / 2:.1f}" y="{top + plot_h / 2 + 5:.1f}" text-anchor="middle" '
                         f'font-size="14" fill="#3d4653">–</text></g>')
        else:
            h = plot_h * point.pct / 100
            tip = f"{point.label}: {number(point.pct)}% (n = {point.responses})"
            parts.append(f'<rect x="{x:.1f}" y="{top + plot_h - h:.1f}" width="{w:.1f}" height="{h:.1f}" '
                         f'fill="{BAR_COLOUR}"><title>{escape(tip)}</title></rect>')
            if w >= 26:
                parts.append(f'<text x="{x + w / 2:.1f}" y="{top + plot_h - h - 3:.1f}" text-anchor="middle" '
                             f'font-size="11" fill="#1b1b1b">{round(point.pct)}%</text>')
        if i % label_every == 0:
            parts.append(f'<text x="{x + w / 2:.1f}" y="{height - bottom + 16}" text-anchor="middle" '
                         f'font-size="11" fill="#3d4653">{escape(point.label)}</text>')
    parts.append("</svg>")
    if thin:  # sighted readers do not hover: say what the hatching means
        parts.append(f'<p class="chart-note"><svg class="swatch" width="14" height="14" viewBox="0 0 14 14" '
                     f'aria-hidden="true" focusable="false">{_hatch(f"{uid}-key")}'
                     f'<rect width="14" height="14" fill="url(#{uid}-key)" stroke="{PLACEHOLDER_STROKE}"/></svg> '
                     f'– {escape(too_few)}</p>')
    rows = [(p.label, f"{number(p.pct)}%" if p.pct is not None else f"– ({too_few})", p.responses) for p in points]
    return Markup("".join(parts) + _table(title, ("", pct_header, n_header), rows))


def _hatch(pattern_id: str) -> str:
    return (f'<defs><pattern id="{pattern_id}" width="6" height="6" patternUnits="userSpaceOnUse" '
            f'patternTransform="rotate(45)"><rect width="6" height="6" fill="#f3f5f8"/>'
            f'<line x1="0" y1="0" x2="0" y2="6" stroke="#b7bfc9" stroke-width="1.5"/></pattern></defs>')


def heatmap(counts: Sequence[Sequence[int]], weekday_labels: Sequence[str], title: str,
            hour_header: str) -> Markup:
    """Ratings per weekday (rows, Monday first) and local hour (columns 0–23)."""
    cell, left, top = 24, 44, 18
    width, height = left + 24 * cell, top + 7 * cell
    peak = max((n for row in counts for n in row), default=0)
    busiest = [(weekday_labels[d], h, counts[d][h]) for d in range(7) for h in range(24) if peak and counts[d][h] == peak]
    desc = (f"{busiest[0][0]} {busiest[0][1]}h: {peak}" if busiest else "0")
    uid, svg = _open("heatmap", width, height, title, desc)
    parts = [svg]
    for hour in range(0, 24, 3):
        parts.append(f'<text x="{left + hour * cell + cell / 2}" y="12" text-anchor="middle" font-size="11" '
                     f'fill="#3d4653">{hour}h</text>')
    for day in range(7):
        y = top + day * cell
        parts.append(f'<text x="{left - 6}" y="{y + cell * 0.65:.1f}" text-anchor="end" font-size="11" '
                     f'fill="#3d4653">{escape(weekday_labels[day])}</text>')
        for hour in range(24):
            n = counts[day][hour]
            # Blue of rising strength; a light grey cell means none.
            fill = EMPTY_COLOUR if not n else f"rgba(11,92,173,{0.18 + 0.82 * n / peak:.2f})"
            parts.append(f'<rect x="{left + hour * cell + 1}" y="{y + 1}" width="{cell - 2}" height="{cell - 2}" '
                         f'fill="{fill}"><title>{escape(weekday_labels[day])} {hour}h: {n}</title></rect>')
    parts.append("</svg>")
    rows = [(weekday_labels[d], *(counts[d][h] for h in range(24))) for d in range(7)]
    return Markup("".join(parts) + _table(title, (hour_header, *(f"{h}h" for h in range(24))), rows))

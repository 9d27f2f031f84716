"""Server-rendered SVG charts: pure functions from numbers to markup.

No JavaScript and no external assets, so the charts print and work on any phone.
Each chart is an `role="img"` SVG with <title> and <desc>, followed by a visually
hidden table holding the same numbers for screen readers. Labels arrive already
translated: these functions know nothing of Flask.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import count

from markupsafe import Markup, escape

# Level 1 (very dissatisfied) to 5 (very satisfied); each has AA contrast with white text.
LEVEL_COLOURS = ("#a3121f", "#c0461b", "#6b7685", "#2f7d4f", "#17603a")
BAR_COLOUR = "#0b5cad"
EMPTY_COLOUR = "#e4e8ee"
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
                     count_header: str, share_header: str) -> Markup:
    """One 100% bar split into the five levels, with a legend under it."""
    total = sum(counts.get(str(level), 0) for level in range(1, 6))
    width, height = 600, 96
    uid, svg = _open("distribution", width, height, title,
                     "; ".join(f"{label}: {counts.get(str(i + 1), 0)}" for i, label in enumerate(level_labels)))
    parts = [svg]
    x = 0.0
    if total == 0:
        parts.append(f'<rect x="0" y="0" width="{width}" height="36" fill="{EMPTY_COLOUR}"/>')
    for i in range(5):
        n = counts.get(str(i + 1), 0)
        if not total or not n:
            continue
        w = width * n / total
        parts.append(f'<rect x="{x:.2f}" y="0" width="{w:.2f}" height="36" fill="{LEVEL_COLOURS[i]}"/>')
        if w >= 52:
            parts.append(f'<text x="{x + w / 2:.2f}" y="24" text-anchor="middle" fill="#fff" '
                         f'font-size="17">{_fmt(100 * n / total)}%</text>')
        x += w
    for i, label in enumerate(level_labels):  # legend: a swatch and the level number per column
        lx = i * width / 5
        parts.append(f'<rect x="{lx:.2f}" y="56" width="18" height="18" fill="{LEVEL_COLOURS[i]}"/>'
                     f'<text x="{lx + 24:.2f}" y="71" font-size="18" fill="#1b1b1b">{i + 1} · '
                     f'{counts.get(str(i + 1), 0)}</text>')
    parts.append("</svg>")
    rows = [(label, counts.get(str(i + 1), 0), f"{_fmt(100 * counts.get(str(i + 1), 0) / total)}%" if total else "–")
            for i, label in enumerate(level_labels)]
    return Markup("".join(parts) + _table(title, ("", count_header, share_header), rows))


def trend_bars(points: Sequence[TrendPoint], title: str, pct_header: str, n_header: str,
               too_few: str) -> Markup:
    """Satisfaction % per week or month as bars; a period with too few answers
    shows a grey stub, not a bar that looks like a measured 0%."""
    width, height, top, bottom, left = 640, 220, 12, 40, 34
    plot_h = height - top - bottom
    slot = (width - left - 10) / max(len(points), 1)  # room for the last label
    desc = "; ".join(f"{p.label}: {_fmt(p.pct) + '%' if p.pct is not None else too_few} (n = {p.responses})"
                     for p in points)
    uid, svg = _open("trend", width, height, title, desc)
    parts = [svg]
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
            parts.append(f'<rect x="{x:.1f}" y="{top + plot_h - 3:.1f}" width="{w:.1f}" height="3" fill="#9aa3ae"/>')
        else:
            h = plot_h * point.pct / 100
            parts.append(f'<rect x="{x:.1f}" y="{top + plot_h - h:.1f}" width="{w:.1f}" height="{h:.1f}" '
                         f'fill="{BAR_COLOUR}"/>')
            if w >= 26:
                parts.append(f'<text x="{x + w / 2:.1f}" y="{top + plot_h - h - 3:.1f}" text-anchor="middle" '
                             f'font-size="11" fill="#1b1b1b">{round(point.pct)}</text>')
        if i % label_every == 0:
            parts.append(f'<text x="{x + w / 2:.1f}" y="{height - bottom + 16}" text-anchor="middle" '
                         f'font-size="11" fill="#3d4653">{escape(point.label)}</text>')
    parts.append("</svg>")
    rows = [(p.label, f"{_fmt(p.pct)}%" if p.pct is not None else too_few, p.responses) for p in points]
    return Markup("".join(parts) + _table(title, ("", pct_header, n_header), rows))


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

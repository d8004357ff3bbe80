"""Server-rendered SVG line charts: no chart library, nothing to load, redrawn by the
dashboard's refresh like any other HTML."""

from dataclasses import dataclass

WIDTH, HEIGHT, PAD = 640, 180, 28


@dataclass(frozen=True)
class Line:
    name: str
    points: str  # SVG polyline "x,y x,y ..."
    css: str


def _nice_max(value: int) -> int:
    if value <= 5:
        return 5
    step = 10 ** (len(str(value)) - 1)
    return ((value + step - 1) // step) * step


def line_chart(rows: list[dict], series: list[tuple[str, str, str]]) -> dict:
    """`rows` oldest first; `series`: (field, label, css class). Returns what
    analytics/_chart.html draws: polylines, the y scale's top, first and last labels."""
    top = _nice_max(max([row[field] for row in rows for field, _, _ in series] or [0]))
    n = max(len(rows) - 1, 1)
    inner_w, inner_h = WIDTH - 2 * PAD, HEIGHT - 2 * PAD

    def xy(i: int, value: int) -> str:
        return f"{PAD + inner_w * i / n:.1f},{PAD + inner_h * (1 - value / top):.1f}"

    lines = [
        Line(name=label, css=css, points=" ".join(xy(i, row[field]) for i, row in enumerate(rows)))
        for field, label, css in series
    ]
    return {
        "width": WIDTH,
        "height": HEIGHT,
        "pad": PAD,
        "bottom": HEIGHT - PAD,
        "right": WIDTH - PAD,
        "top": top,
        "lines": lines,
        "first": rows[0]["day"] if rows else "",
        "last": rows[-1]["day"] if rows else "",
    }

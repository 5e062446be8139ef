"""A small flowing layout over reportlab's canvas, for documents drawn in code (the invoice:
hostico/web/pdf_invoice.py):
text in a few styles wrapped at word boundaries, blocks that move to the next page when they do not fit, and a
footer on every page once the number of pages is known.

Drawing is recorded per page first (a list of operations) and written to the canvas at the end, so the footer can
say "page/pages". The fonts are DejaVu Sans and its bold (fonts-dejavu-core, scripts/ensure-system-deps.sh),
registered once per process and embedded as subsets, so ă â î ș ț show in any viewer.
"""

from __future__ import annotations

import io
import os
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from reportlab import rl_config
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

FONT_DIR = "/usr/share/fonts/truetype/dejavu"  # fonts-dejavu-core (scripts/ensure-system-deps.sh pdf)
FONTS = {"DejaVuSans": "DejaVuSans.ttf", "DejaVuSans-Bold": "DejaVuSans-Bold.ttf"}
REGULAR, BOLD = FONTS
_fonts_lock = threading.Lock()
_fonts_ready = False
# DejaVu Sans: ascent and descent in em; a line's baseline sits in the middle of its leading
ASCENT, DESCENT = 0.928, 0.236

Color = tuple[float, float, float]


def rgb(hex_color: int) -> Color:
    """Return 0xRRGGBB as reportlab's (r, g, b) in 0..1."""
    return ((hex_color >> 16) / 255, ((hex_color >> 8) & 0xFF) / 255, (hex_color & 0xFF) / 255)


def register_fonts() -> None:
    """Register the document fonts with reportlab, once per process (parsing a TTF file takes tens of ms), and set
    reportlab up."""
    global _fonts_ready
    if _fonts_ready:
        return
    with _fonts_lock:
        if not _fonts_ready:
            # binary streams, not ASCII85 (a quarter larger): PDFs go by email. The app's only reportlab documents.
            rl_config.useA85 = 0
            for name, filename in FONTS.items():
                pdfmetrics.registerFont(TTFont(name, os.path.join(FONT_DIR, filename)))
            _fonts_ready = True


@dataclass(frozen=True, slots=True)
class Style:
    """A font, its size in points, its colour and the height of a line of it."""

    font: str
    size: float
    color: Color
    leading: float = 0.0

    def __post_init__(self) -> None:
        if not self.leading:
            object.__setattr__(self, "leading", round(self.size * 1.2, 2))

    def width(self, text: str) -> float:
        """Return the width of `text` in points."""
        return pdfmetrics.stringWidth(text, self.font, self.size)


Run = tuple[str, Style]  # text in one style; a paragraph is a list of runs


@dataclass(slots=True)
class Line:
    """One wrapped line: pieces [x offset, text, style] (a piece may start with the space before it) and its width."""

    pieces: list[list] = field(default_factory=list)
    width: float = 0.0

    @property
    def height(self) -> float:
        """Return the line's height: the largest leading of its pieces."""
        return max(piece[2].leading for piece in self.pieces)


def text_width(runs: Iterable[Run]) -> float:
    """Return the width of runs on one line, unwrapped."""
    return sum(style.width(text) for text, style in runs)


def _words(runs: Iterable[Run]):
    """Yield (word, style, whether a space comes before it) for each word of the runs, None for each line break."""
    space = False
    for text, style in runs:
        for k, segment in enumerate(text.split("\n")):
            if k:
                yield None
                space = False
            if segment[:1].isspace():
                space = True
            for i, word in enumerate(segment.split()):
                yield word, style, space or i > 0
                space = False
            if segment[-1:].isspace():
                space = True


def wrap(runs: Iterable[Run], width: float) -> list[Line]:
    """Break runs into lines at most `width` wide: at "\n", at spaces (runs of whitespace count as one), and inside
    a word only when the word alone is wider than a line."""
    lines: list[Line] = []
    line = Line()
    for token in _words(runs):
        if token is None:
            if line.pieces:
                lines.append(line)
            line = Line()
            continue
        word, style, spaced = token
        gap = style.width(" ") if spaced and line.pieces else 0.0
        w = style.width(word)
        if line.pieces and line.width + gap + w > width:
            lines.append(line)
            line, gap = Line(), 0.0
        while w > width and len(word) > 1:  # a word wider than a line (a long URL): cut it where it overflows
            if line.pieces:
                lines.append(line)
                line, gap = Line(), 0.0
            cut = len(word) - 1
            while cut > 1 and style.width(word[:cut]) > width:
                cut -= 1
            lines.append(Line([[0.0, word[:cut], style]], style.width(word[:cut])))
            word = word[cut:]
            w = style.width(word)
        text = " " + word if gap else word
        last = line.pieces[-1] if line.pieces else None
        if last is not None and last[2] is style:
            last[1] += text
        else:
            line.pieces.append([line.width, text, style])
        line.width += gap + w
    if line.pieces:
        lines.append(line)
    return lines


def height_of(lines: list[Line]) -> float:
    """Return the height of wrapped lines."""
    return sum(line.height for line in lines)


def place(lines: list[Line], x: float, top: float, *, align: str = "left",
          width: float = 0.0) -> tuple[list[tuple], float]:
    """Return the drawing of lines from `top` down at `x` (right-aligned: their right edge at x + width) and their
    bottom."""
    ops = []
    for line in lines:
        size = max(piece[2].size for piece in line.pieces)
        height = line.height
        baseline = top - (height - (ASCENT + DESCENT) * size) / 2 - ASCENT * size
        start = x + width - line.width if align == "right" else x
        for dx, text, style in line.pieces:
            ops.append(("T", start + dx, baseline, text, style))
        top -= height
    return ops, top


class Flow:
    """Pages of recorded drawing and a cursor `y` (points from the bottom, as PDF counts) moving down the page."""

    def __init__(self, *, margins_mm: tuple[float, float, float, float] = (16, 14, 16, 14), pagesize=A4) -> None:
        self.pagesize = pagesize
        top, right, bottom, left = (m * mm for m in margins_mm)
        self.top, self.bottom = pagesize[1] - top, bottom
        self.left, self.right = left, pagesize[0] - right
        self.width = self.right - self.left
        self.pages: list[list[tuple]] = [[]]
        self.y = self.top
        self.on_new_page: Callable[[], None] | None = None  # e.g. a table repeats its header row

    @property
    def room(self) -> float:
        """Return the height left on this page."""
        return self.y - self.bottom

    @property
    def at_top(self) -> bool:
        """Return whether nothing was drawn on this page yet."""
        return self.y >= self.top

    def new_page(self) -> None:
        """Continue on a new page."""
        self.pages.append([])
        self.y = self.top
        if self.on_new_page is not None:
            self.on_new_page()

    def keep(self, height: float) -> None:
        """Start a new page unless `height` fits on this one (or this one is still empty)."""
        if height > self.room and not self.at_top:
            self.new_page()

    def text(self, lines: list[Line], x: float, top: float, *, align: str = "left", width: float = 0.0) -> float:
        """Draw lines from `top` down at `x` (right-aligned: their right edge at x + width); return their bottom."""
        ops, bottom = place(lines, x, top, align=align, width=width)
        self.pages[-1].extend(ops)
        return bottom

    def paragraph(self, runs: list[Run], *, x: float | None = None, width: float | None = None,
                  space_before: float = 0.0) -> None:
        """Draw wrapped text at the cursor, on the next page when it does not fit here, and move below it."""
        lines = wrap(runs, width or self.width)
        self.keep(space_before + height_of(lines))
        if not self.at_top:
            self.y -= space_before
        self.y = self.text(lines, self.left if x is None else x, self.y)

    def rule(self, x1: float, x2: float, y: float, width: float, color: Color) -> None:
        """Draw a horizontal line."""
        self.pages[-1].append(("L", x1, y, x2, y, width, color))

    def box(self, x: float, y: float, w: float, h: float, width: float, color: Color) -> None:
        """Draw a rectangle's outline (x, y: its bottom left corner)."""
        self.pages[-1].append(("R", x, y, w, h, width, color))

    def render(self, footer: Callable[[int, int], list[Run]], *, footer_y: float = 8 * mm, title: str = "",
               author: str = "", lang: str | None = None) -> bytes:
        """Write the pages as PDF bytes, with `footer(page, pages)` right-aligned at the bottom of every page."""
        from reportlab.pdfgen.canvas import Canvas

        buf = io.BytesIO()
        canvas = Canvas(buf, pagesize=self.pagesize, pageCompression=1, initialFontName=REGULAR,
                        initialFontSize=9.5, lang=lang)
        canvas.setTitle(title)
        canvas.setAuthor(author)
        total = len(self.pages)
        for number, ops in enumerate(self.pages, 1):
            foot = wrap(footer(number, total), self.width)
            footer_ops, _bottom = place(foot, self.left, footer_y + height_of(foot), align="right", width=self.width)
            self._draw_page(canvas, ops + footer_ops)
            canvas.showPage()
        canvas.save()
        return buf.getvalue()

    @staticmethod
    def _draw_page(canvas, ops: list[tuple]) -> None:
        for op in ops:
            if op[0] == "L":
                _kind, x1, y1, x2, y2, width, color = op
                canvas.setLineWidth(width)
                canvas.setStrokeColorRGB(*color)
                canvas.line(x1, y1, x2, y2)
            elif op[0] == "R":
                _kind, x, y, w, h, width, color = op
                canvas.setLineWidth(width)
                canvas.setStrokeColorRGB(*color)
                canvas.rect(x, y, w, h, stroke=1, fill=0)
        text = canvas.beginText()
        font: tuple[str, float] | None = None
        color: Color | None = None
        for op in ops:
            if op[0] != "T":
                continue
            _kind, x, y, string, style = op
            if (style.font, style.size) != font:
                font = (style.font, style.size)
                text.setFont(style.font, style.size)
            if style.color != color:
                color = style.color
                text.setFillColorRGB(*color)
            text.setTextOrigin(x, y)
            text.textOut(string)
        canvas.drawText(text)

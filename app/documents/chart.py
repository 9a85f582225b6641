"""A small bar chart as a PNG, drawn with the standard library (zlib) alone.

The annual report needs one chart (the monthly trend). matplotlib would add tens of megabytes to
the bundle and Qt may not be imported in `app/`; a bar chart is rectangles and digits, so it is
drawn here pixel by pixel: bars, value labels, month numbers and light grid lines. Words (the
title, "月", "件") go in the document's caption, in the document's own font.
"""

import struct
import zlib

# 5×7 bitmap digits (and '-'), one string of 7 rows per glyph.
_GLYPHS = {
    "0": "01110100011001110101110011000101110",
    "1": "00100011000010000100001000010001110",
    "2": "01110100010000100010001000100011111",
    "3": "11111000100010000010000011000101110",
    "4": "00010001100101010010111110001000010",
    "5": "11111100001111000001000011000101110",
    "6": "00110010001000011110100011000101110",
    "7": "11111000010001000100010000100001000",
    "8": "01110100011000101110100011000101110",
    "9": "01110100011000101111000010001001100",
    "-": "00000000000000011111000000000000000",
}
_BG, _AXIS, _GRID, _BAR, _TEXT = (
    (255, 255, 255),
    (64, 64, 64),
    (222, 222, 222),
    (68, 114, 196),
    (32, 32, 32),
)
_PREVIOUS = (190, 190, 190)


class _Canvas:
    def __init__(self, width: int, height: int) -> None:
        self.w, self.h = width, height
        self.rows = [bytearray(bytes(_BG) * width) for _ in range(height)]

    def rect(self, x0: int, y0: int, x1: int, y1: int, color: tuple[int, int, int]) -> None:
        x0, x1 = max(0, min(x0, x1)), min(self.w, max(x0, x1))
        y0, y1 = max(0, min(y0, y1)), min(self.h, max(y0, y1))
        if x0 >= x1:
            return
        fill = bytes(color) * (x1 - x0)
        for y in range(y0, y1):
            self.rows[y][x0 * 3 : x1 * 3] = fill

    def text(self, cx: int, top: int, text: str, scale: int, color: tuple[int, int, int]) -> None:
        """Digits centred on `cx`."""
        width = len(text) * 6 * scale - scale
        x = cx - width // 2
        for ch in text:
            glyph = _GLYPHS.get(ch)
            if glyph:
                for i, bit in enumerate(glyph):
                    if bit == "1":
                        gx, gy = x + (i % 5) * scale, top + (i // 5) * scale
                        self.rect(gx, gy, gx + scale, gy + scale, color)
            x += 6 * scale

    def png(self) -> bytes:
        raw = b"".join(b"\x00" + bytes(row) for row in self.rows)

        def chunk(kind: bytes, data: bytes) -> bytes:
            body = kind + data
            return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

        header = struct.pack(">IIBBBBB", self.w, self.h, 8, 2, 0, 0, 0)
        # pHYs: 150 dpi, so Word sizes the picture sensibly before the template scales it.
        phys = struct.pack(">IIB", 5906, 5906, 1)
        return b"".join(
            [
                b"\x89PNG\r\n\x1a\n",
                chunk(b"IHDR", header),
                chunk(b"pHYs", phys),
                chunk(b"IDAT", zlib.compress(raw, 9)),
                chunk(b"IEND", b""),
            ]
        )


def _nice_step(top: int) -> int:
    """A round grid step giving about five lines up to `top`."""
    if top <= 5:
        return 1
    raw = top / 5
    magnitude = 10 ** (len(str(int(raw))) - 1)
    for m in (1, 2, 5, 10):
        if raw <= m * magnitude:
            return m * magnitude
    return 10 * magnitude


def bar_chart_png(
    labels: list[str],
    values: list[int],
    previous: list[int] | None = None,
    width: int = 1500,
    height: int = 620,
) -> bytes:
    """Bars for `values` with their numbers on top and `labels` (digits) underneath; with
    `previous` (the same months a year earlier) a light grey bar stands left of each."""
    c = _Canvas(width, height)
    scale = 3
    left, right, top, bottom = 110, 30, 50, 70
    plot_w, plot_h = width - left - right, height - top - bottom
    if previous is not None and len(previous) != len(values):
        previous = None
    top_value = max([*values, *(previous or [])], default=0)
    step = _nice_step(top_value)
    ceiling = max(step, -(-top_value // step) * step)
    base = top + plot_h
    for tick in range(0, ceiling + 1, step):
        y = base - round(tick / ceiling * plot_h)
        c.rect(left, y, left + plot_w, y + 2, _GRID if tick else _AXIS)
        c.text(left - 20 - len(str(tick)) * 9, y - 10, str(tick), scale, _AXIS)
    c.rect(left, top, left + 2, base, _AXIS)
    n = max(len(values), 1)
    slot = plot_w / n
    bar = max(2, int(slot * (0.4 if previous else 0.6)))
    every = max(1, -(-n // 24))  # at most 24 labels under the axis
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        cx = left + int(slot * i + slot / 2)
        if previous:
            ph = round(previous[i] / ceiling * plot_h)
            c.rect(cx - bar, base - ph, cx, base, _PREVIOUS)
            cx += bar // 2
        h = round(value / ceiling * plot_h)
        c.rect(cx - bar // 2, base - h, cx + bar // 2, base, _BAR)
        if n <= 24:
            c.text(cx, base - h - 7 * scale - 8, str(value), scale, _TEXT)
        if i % every == 0:
            c.text(cx - (bar // 2 if previous else 0), base + 14, label, scale, _TEXT)
    return c.png()

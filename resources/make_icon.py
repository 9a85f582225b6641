"""Draw the application icon: `QT_QPA_PLATFORM=offscreen uv run python resources/make_icon.py`.

The icon is generated, not drawn by hand, so it can be remade at any size. It writes
`xinfang.png` (256 px, for Linux desktop entries and the window) and `xinfang.ico` (16–256 px,
for the Windows executable, shortcuts and the installer). The .ico holds PNG-compressed images,
which Windows has read since Vista; Qt alone (no Pillow) is enough to make it.
"""

import struct
import sys
from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QGuiApplication, QImage, QLinearGradient, QPainter, QPen

HERE = Path(__file__).resolve().parent
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)


def draw(size: int) -> QImage:
    """A rounded blue square, a white folded sheet of paper and a red seal dot: a petition
    letter."""
    img = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    img.fill(Qt.GlobalColor.transparent)
    p = QPainter(img)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    s = size / 256  # the drawing is laid out on a 256 grid
    grad = QLinearGradient(0, 0, 0, size)
    grad.setColorAt(0, QColor("#2b6cb0"))
    grad.setColorAt(1, QColor("#1a4480"))
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(grad)
    p.drawRoundedRect(QRectF(8 * s, 8 * s, 240 * s, 240 * s), 44 * s, 44 * s)
    # The sheet: white, with a folded top-right corner.
    p.setBrush(QColor("#ffffff"))
    sheet = QRectF(62 * s, 40 * s, 132 * s, 176 * s)
    p.drawRoundedRect(sheet, 10 * s, 10 * s)
    p.setBrush(QColor("#c9d8ec"))
    fold = 36 * s
    corner = sheet.topRight()
    p.drawPolygon(
        [corner + QPointF(-fold, 0), corner + QPointF(0, fold), corner + QPointF(-fold, fold)]
    )
    if size >= 32:
        # The character 访 on the sheet; too small to read below 32 px, so lines stand in there.
        font = QFont(["Noto Sans CJK SC", "Microsoft YaHei", "SimHei", "sans-serif"])
        font.setPixelSize(int(88 * s))
        font.setBold(True)
        p.setFont(font)
        p.setPen(QColor("#1a4480"))
        p.drawText(QRectF(62 * s, 48 * s, 132 * s, 112 * s), Qt.AlignmentFlag.AlignCenter, "访")
    else:
        p.setPen(QPen(QColor("#1a4480"), max(1.0, 14 * s)))
        for y in (92, 132, 172):
            p.drawLine(int(86 * s), int(y * s), int(170 * s), int(y * s))
    # The red seal in the lower right corner.
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(QColor("#d62828"))
    p.drawEllipse(QRectF(160 * s, 172 * s, 52 * s, 52 * s))
    p.end()
    return img


def png_bytes(img: QImage) -> bytes:
    data = QByteArray()
    buf = QBuffer(data)
    buf.open(QIODevice.OpenModeFlag.WriteOnly)
    img.save(buf, "PNG")
    buf.close()
    return bytes(data.data())


def ico_bytes(images: list[bytes], sizes: tuple[int, ...]) -> bytes:
    """ICONDIR + one ICONDIRENTRY per image + the PNG data (a size of 256 is written as 0)."""
    header = struct.pack("<HHH", 0, 1, len(images))
    offset = 6 + 16 * len(images)
    entries, blobs = b"", b""
    for size, data in zip(sizes, images, strict=True):
        dim = 0 if size >= 256 else size
        entries += struct.pack("<BBBBHHII", dim, dim, 0, 0, 1, 32, len(data), offset)
        offset += len(data)
        blobs += data
    return header + entries + blobs


def main() -> int:
    app = QGuiApplication.instance() or QGuiApplication(sys.argv)  # noqa: F841 (fonts need it)
    pngs = [png_bytes(draw(n)) for n in ICO_SIZES]
    (HERE / "xinfang.ico").write_bytes(ico_bytes(pngs, ICO_SIZES))
    (HERE / "xinfang.png").write_bytes(pngs[-1])
    print(f"wrote {HERE / 'xinfang.ico'} and {HERE / 'xinfang.png'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

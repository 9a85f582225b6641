"""GB/T 9704-2012 page and type settings for the default templates (domain.md §8), via python-docx.

A4; margins 37/35/28/26 mm; title 方正小标宋简体 22 pt centred; body 仿宋_GB2312 16 pt, first line
indented two characters, fixed line spacing 28.9 pt (22 lines a page); 一、 headings 黑体,
（一） headings 楷体_GB2312; page numbers "— 1 —" in 宋体 四号, odd pages right, even pages left,
one character in from the edge. Chinese fonts go in the East-Asian slot (w:eastAsia) — Word
ignores a Chinese font name put only in the ASCII slot — and the font table names a fallback
(仿宋, 楷体, 黑体, 宋体) for PCs without the GB2312 fonts.
"""

from typing import Any

import docx
from docx.document import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Mm, Pt

TITLE_FONT, BODY_FONT, H1_FONT, H2_FONT, PAGE_FONT = (
    "方正小标宋简体",
    "仿宋_GB2312",
    "黑体",
    "楷体_GB2312",
    "宋体",
)
LATIN = "Times New Roman"
FALLBACKS = {
    "方正小标宋简体": "宋体",
    "仿宋_GB2312": "仿宋",
    "楷体_GB2312": "楷体",
    "黑体": "SimHei",
    "宋体": "SimSun",
}
LINE = 578  # twips: 28.9 pt exact, 22 lines in the 225 mm type area
BODY_PT, TABLE_PT = 16, 12
# GB/T 9704's 28 characters × 22 lines: 156 mm / 28 = 15.79 pt per character, so a 16 pt 三号
# character is condensed by 0.25 pt (w:spacing -5 twentieths): without it only 27 fit a line. A
# character grid (docGrid linesAndChars) would say the same to Word, but LibreOffice lays that out
# with about half as many characters, so the grid is lines only and the 28 come from the spacing.
GRID_LINE_PITCH = 579
BODY_CONDENSE = -5


def set_fonts(
    rpr: Any, east: str, latin: str = LATIN, size: float | None = None, bold: bool | None = None
) -> None:
    """Set the run fonts on an rPr element, East-Asian slot included; drop theme fonts."""
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in list(fonts.attrib):
        if attr.endswith("Theme") or attr.endswith("theme"):
            del fonts.attrib[attr]
    for slot, value in (("ascii", latin), ("hAnsi", latin), ("eastAsia", east), ("cs", latin)):
        fonts.set(qn(f"w:{slot}"), value)
    if size is not None:
        for tag in ("w:sz", "w:szCs"):
            el = rpr.find(qn(tag))
            if el is None:
                el = OxmlElement(tag)
                rpr.append(el)
            el.set(qn("w:val"), str(int(size * 2)))
    if bold is not None:
        el = rpr.find(qn("w:b"))
        if el is None:
            el = OxmlElement("w:b")
            fonts.addnext(el)  # CT_RPr order: w:b right after w:rFonts
        el.set(qn("w:val"), "1" if bold else "0")


def _condense(rpr: Any) -> None:
    el = rpr.find(qn("w:spacing"))
    if el is None:
        el = OxmlElement("w:spacing")
        # CT_RPr's order: w:spacing comes before w:w, w:kern, w:position and w:sz (Word calls a
        # file with them out of order damaged).
        later = next(
            (
                rpr.find(qn(t))
                for t in ("w:w", "w:kern", "w:position", "w:sz")
                if rpr.find(qn(t)) is not None
            ),
            None,
        )
        if later is not None:
            later.addprevious(el)
        else:
            rpr.append(el)
    el.set(qn("w:val"), str(BODY_CONDENSE))


def _ppr(style: Any) -> Any:
    return style.element.get_or_add_pPr()


def _spacing(ppr: Any, line: int = LINE, before: int = 0, after: int = 0) -> None:
    el = ppr.find(qn("w:spacing"))
    if el is None:
        el = OxmlElement("w:spacing")
        ppr.append(el)
    for k, v in (("before", before), ("after", after), ("line", line)):
        el.set(qn(f"w:{k}"), str(v))
    el.set(qn("w:lineRule"), "exact")


def _indent(
    ppr: Any, first_chars: int = 0, right_chars: int = 0, left_chars: int = 0, size: int = BODY_PT
) -> None:
    el = ppr.find(qn("w:ind"))
    if el is None:
        el = OxmlElement("w:ind")
        ppr.append(el)
    # The *Chars attributes (hundredths of a character) keep "two characters" right whatever
    # the font size; the twip values beside them are for programs that ignore *Chars.
    el.set(qn("w:firstLineChars"), str(first_chars * 100))
    el.set(qn("w:firstLine"), str(first_chars * size * 20))
    el.set(qn("w:leftChars"), str(left_chars * 100))
    el.set(qn("w:left"), str(left_chars * size * 20))
    el.set(qn("w:rightChars"), str(right_chars * 100))
    el.set(qn("w:right"), str(right_chars * size * 20))


def _jc(ppr: Any, value: str) -> None:
    el = ppr.find(qn("w:jc"))
    if el is None:
        el = OxmlElement("w:jc")
        ppr.append(el)
    el.set(qn("w:val"), value)


def _style(
    doc: Document,
    name: str,
    east: str,
    size: float,
    *,
    first: int = 0,
    jc: str = "both",
    right: int = 0,
    line: int = LINE,
    after: int = 0,
    latin: str = LATIN,
) -> None:
    styles = doc.styles
    try:
        style = styles[name]
    except KeyError:
        style = styles.add_style(name, 1)  # WD_STYLE_TYPE.PARAGRAPH
        style.base_style = styles["Normal"]
    style.quick_style = True
    rpr = style.element.get_or_add_rPr()
    set_fonts(rpr, east, latin, size, bold=False)
    if size == BODY_PT:
        _condense(rpr)
    ppr = _ppr(style)
    _spacing(ppr, line, after=after)
    _indent(ppr, first, right, size=int(size))
    _jc(ppr, jc)


def new_document() -> Document:
    doc = docx.Document()
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    section.header_distance, section.footer_distance = Mm(15), Mm(22)
    sect = section._sectPr
    grid = sect.find(qn("w:docGrid"))
    if grid is None:
        grid = OxmlElement("w:docGrid")
        sect.append(grid)
    grid.set(qn("w:type"), "lines")
    grid.set(qn("w:linePitch"), str(GRID_LINE_PITCH))
    styles_el = doc.styles.element
    defaults = styles_el.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    set_fonts(defaults, BODY_FONT, LATIN, BODY_PT)
    defaults.find(qn("w:lang")).set(qn("w:eastAsia"), "zh-CN")
    pdefault = styles_el.find(qn("w:docDefaults")).find(qn("w:pPrDefault")).find(qn("w:pPr"))
    _spacing(pdefault)
    _style(doc, "Normal", BODY_FONT, BODY_PT, first=2)
    _style(
        doc, "公文标题", TITLE_FONT, 22, jc="center", line=LINE + 120, after=LINE, latin=TITLE_FONT
    )
    _style(doc, "一级标题", H1_FONT, BODY_PT, first=2)
    _style(doc, "二级标题", H2_FONT, BODY_PT, first=2)
    # A heading never stands alone at the foot of a page.
    for name in ("一级标题", "二级标题"):
        doc.styles[name].paragraph_format.keep_with_next = True
    _style(doc, "主送机关", BODY_FONT, BODY_PT, first=0)
    _style(doc, "文号", BODY_FONT, BODY_PT, jc="center", after=LINE // 2)
    # Left-aligned: the sign filters put the texts in place with leading spaces, which Word, WPS
    # and LibreOffice all keep (trailing spaces of a right-aligned line they do not).
    _style(doc, "落款", BODY_FONT, BODY_PT, jc="left")
    _style(doc, "表格文字", BODY_FONT, TABLE_PT, jc="center", line=TABLE_PT * 20 + 120)
    _style(doc, "图表", BODY_FONT, BODY_PT, jc="center", line=0)
    # An image line must not be clipped by the exact line height.
    img = _ppr(doc.styles["图表"]).find(qn("w:spacing"))
    img.set(qn("w:lineRule"), "auto")
    img.set(qn("w:line"), "240")
    _style(doc, "表题", H1_FONT, 14, jc="center", line=LINE)
    # A table or figure title stays with its table, never alone at the foot of a page.
    doc.styles["表题"].paragraph_format.keep_with_next = True
    _page_numbers(doc)
    _font_fallbacks(doc)
    return doc


def _page_field(paragraph: Any) -> None:
    def run(text: str | None = None, fld: str | None = None, instr: str | None = None) -> None:
        r = paragraph.add_run()
        set_fonts(r._r.get_or_add_rPr(), PAGE_FONT, PAGE_FONT, 14)
        if fld:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), fld)
            r._r.append(el)
        elif instr:
            el = OxmlElement("w:instrText")
            el.set(qn("xml:space"), "preserve")
            el.text = instr
            r._r.append(el)
        else:
            r.text = text

    run("— ")
    run(fld="begin")
    run(instr=" PAGE ")
    run(fld="separate")
    run("1")
    run(fld="end")
    run(" —")


def _page_numbers(doc: Document) -> None:
    doc.settings.odd_and_even_pages_header_footer = True
    section = doc.sections[0]
    for footer, jc, right, left in (
        (section.footer, "right", 1, 0),
        (section.even_page_footer, "left", 0, 1),
    ):
        footer.is_linked_to_previous = False
        p = footer.paragraphs[0]
        ppr = p._p.get_or_add_pPr()
        _jc(ppr, jc)
        _indent(ppr, 0, right, left, size=14)
        _spacing(ppr, 0)
        ppr.find(qn("w:spacing")).set(qn("w:lineRule"), "auto")
        ppr.find(qn("w:spacing")).set(qn("w:line"), "240")
        _page_field(p)


def _font_fallbacks(doc: Document) -> None:
    """Name each Chinese font in the font table with an alternative Word/WPS substitutes."""
    part = next(p for p in doc.part.package.iter_parts() if p.partname == "/word/fontTable.xml")
    root = parse_xml(part.blob)
    for name, alt in FALLBACKS.items():
        font = parse_xml(
            f'<w:font {nsdecls("w")} w:name="{name}"><w:altName w:val="{alt}"/>'
            '<w:charset w:val="86"/><w:family w:val="modern"/><w:pitch w:val="fixed"/></w:font>'
        )
        root.append(font)
    from lxml import etree

    part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


# ---------------------------------------------------------------- content helpers


def title(doc: Document, text: str) -> None:
    doc.add_paragraph(text, style="公文标题")


def to(doc: Document, text: str) -> None:
    doc.add_paragraph(text, style="主送机关")


def h1(doc: Document, text: str) -> None:
    doc.add_paragraph(text, style="一级标题")


def h2(doc: Document, text: str) -> None:
    doc.add_paragraph(text, style="二级标题")


def body(doc: Document, *texts: str) -> None:
    for text in texts:
        doc.add_paragraph(text)


def mixed(doc: Document, parts: list[tuple[str, str]]) -> None:
    """A body paragraph whose first part is a （一） heading in 楷体, run in with the text."""
    p = doc.add_paragraph()
    for font, text in parts:
        r = p.add_run(text)
        if font != BODY_FONT:
            set_fonts(r._r.get_or_add_rPr(), font)


def signature(doc: Document, office: str, date: str) -> None:
    """发文机关署名 centred over 成文日期, the date four characters in from the right margin, both
    kept on one page with the last body paragraph (GB/T 9704 7.3.5). The centring is done by the
    `sign_top`/`sign_bottom` filters from the two texts' widths, so it holds for any office name."""
    if doc.paragraphs:
        last = doc.paragraphs[-1].paragraph_format
        last.keep_with_next, last.keep_together = True, True
    blank = doc.add_paragraph("")
    blank.paragraph_format.keep_with_next = True
    top = doc.add_paragraph(f"{{{{ {_expr(office)} | sign_top({_expr(date)}) }}}}", style="落款")
    top.paragraph_format.keep_with_next = True
    doc.add_paragraph(f"{{{{ {_expr(date)} | sign_bottom({_expr(office)}) }}}}", style="落款")


def _expr(tag: str) -> str:
    """ "{{ office }}" → "office"; "{{ today | cdate }}" → "(today | cdate)"."""
    inner = tag.strip().removeprefix("{{").removesuffix("}}").strip()
    return inner if inner.isidentifier() else f"({inner})"


def caption(doc: Document, text: str) -> None:
    doc.add_paragraph(text, style="表题")


def image_line(doc: Document, text: str) -> None:
    doc.add_paragraph(text, style="图表")


def table(doc: Document, header: list[str], rows: list[list[str]], widths_mm: list[float]) -> Any:
    """A bordered table in 表格文字; header in 黑体. `rows` may hold docxtpl {%tr %} rows."""
    t = doc.add_table(rows=0, cols=len(header))
    t.alignment = WD_TABLE_ALIGNMENT.CENTER
    borders = parse_xml(
        f"<w:tblBorders {nsdecls('w')}>"
        + "".join(
            f'<w:{side} w:val="single" w:sz="6" w:space="0" w:color="000000"/>'
            for side in ("top", "left", "bottom", "right", "insideH", "insideV")
        )
        + "</w:tblBorders>"
    )
    t._tbl.tblPr.append(borders)
    t.autofit = False
    for i, cells in enumerate([header, *rows]):
        row = t.add_row()
        if i == 0:  # repeat the header row on every page
            trpr = row._tr.get_or_add_trPr()
            trpr.append(parse_xml(f"<w:tblHeader {nsdecls('w')}/>"))
        for j, text in enumerate(cells):
            cell = row.cells[j]
            cell.width = Mm(widths_mm[j])
            p = cell.paragraphs[0]
            p.style = doc.styles["表格文字"]
            r = p.add_run(text)
            if i == 0:
                set_fonts(r._r.get_or_add_rPr(), H1_FONT)
    for j, w in enumerate(widths_mm):  # the grid is what LibreOffice and WPS lay out by
        t.columns[j].width = Mm(w)
    return t


def page_break_before(doc: Document) -> None:
    p = doc.paragraphs[-1]
    p.paragraph_format.page_break_before = True


ALIGN = WD_ALIGN_PARAGRAPH
PT = Pt

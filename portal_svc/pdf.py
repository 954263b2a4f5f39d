# ruff: noqa: RUF001, RUF002  -- Kazakh letters and labels on purpose
"""The result as a PDF (003 p.8-9: the applicant downloads the result): the document it stands
for, as portal_svc.pages.result reads it (titled as the regulation names it, the applicant, the
service and the form's fields, the decision and a refusal's ground, the issuer and the date),
its signature as checked when the PDF was made (the certificate's subject and serial), the
contact lines of the regulation and a QR code of the public check. The signed data (the
document's exact bytes and its signature) is attached to the file for machines.

Noto Sans (OFL, shipped in the ``fontpkg-noto-sans`` wheel, so nothing is looked for on the
machine) is embedded, subset, so Kazakh letters (ә, ғ, қ, ң, ө, ұ, ү, һ, і) print without any
font on the reader's machine. Its bold is drawn by stroking the letters: an instance of the
variable font's bold weight costs seconds per PDF."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import resources
from typing import TYPE_CHECKING

import segno

from portal_svc.domain.texts import Language
from shared.regulation.model import Contact

if TYPE_CHECKING:
    from fpdf import FPDF

    from portal_svc.pages.document import Line
    from portal_svc.pages.result import ResultDocument

FONT = "Noto"
# fontTools tells each table it subsets at INFO (about forty lines per PDF) and fpdf2 its own
# steps at DEBUG: neither is news to whoever reads the service's log.
_QUIET = ("fontTools", "fpdf")


def _font() -> str:
    # Read from the installed wheel (a plain directory), never fetched at run time.
    return str(resources.files("fontpkg_noto_sans") / "files" / "NotoSans[wdth,wght].ttf")


_CONTACTS: dict[Language, str] = {
    "kk": "Қызмет туралы ақпарат телефоны",
    "ru": "Телефон для информации об услуге",
    "en": "Telephone for information on the service",
}


@dataclass(frozen=True)
class SignatureCheck:
    code: str  # a VerificationCode value (or NO_SIGNATURE), checked when asked
    signer: str | None  # the subject of the signature's certificate
    serial: str | None = None  # and its serial number (hex)


@dataclass(frozen=True)
class Attachment:
    """A file embedded in the PDF: the signed data, for a machine to check again."""

    name: str
    content: bytes
    media_type: str
    description: str


def contact_lines(contacts: Sequence[Contact], language: Language) -> list[str]:
    """One line per telephone number the regulation gives, in the reader's language."""
    return [f"{_CONTACTS[language]}: {c.number} ({getattr(c.label, language)})" for c in contacts]


def quiet_libraries() -> None:
    """No line on the console for each PDF: the font subsetter's and fpdf2's chatter is left
    out of the log (a warning still gets through)."""
    for name in _QUIET:
        logging.getLogger(name).setLevel(logging.WARNING)


def render(
    doc: ResultDocument,
    *,
    t: Callable[..., str],
    verify_url: str,
    checked_at: str,
    contacts: Sequence[str] = (),
    attachments: Sequence[Attachment] = (),
) -> bytes:
    """``doc`` as an A4 PDF in its language; ``t(key, **fmt)`` gives the portal's words in it."""
    quiet_libraries()
    # Imported here, not at the top: fpdf2 takes about 0.35 s to import, a fifth of every
    # `egov run` start, and only a downloaded result needs it (docs/performance.md).
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.set_margins(20, 16, 20)
    pdf.set_auto_page_break(True, margin=16)
    pdf.set_creator("egov-sim portal")
    pdf.set_title(f"{doc.title} № {doc.number}")
    pdf.set_subject(doc.service)
    pdf.set_author(doc.issuer)
    pdf.set_lang(doc.language)
    pdf.add_font(FONT, "", _font())
    pdf.add_page()
    width = pdf.epw

    # The head: who issues it, what it is, its number and date.
    pdf.set_font(FONT, size=10)
    pdf.set_text_color(70)
    pdf.multi_cell(width, 5, doc.issuer, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(0)
    pdf.ln(6)
    pdf.set_font(FONT, size=15)
    with _bold(pdf):
        pdf.multi_cell(width, 7.5, doc.title, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(1)
    pdf.set_font(FONT, size=11)
    pdf.multi_cell(width, 6, f"№ {doc.number}", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, size=10)
    issued = f"{t('result.date')}: {doc.issued_at}"
    pdf.multi_cell(width, 5.5, issued, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    _rule(pdf)

    # Whose it is and what about: the applicant, the service and the form as filed.
    rows = [(t("result.applicant"), doc.applicant), (t("doc.service"), doc.service)]
    rows += [(_label(line), _value(line)) for line in doc.form]
    _table(pdf, rows)

    # What was decided, and on what ground.
    _rule(pdf, grey=180)
    decided = [(t("result.decision"), doc.decision_text)]
    if doc.ground:
        decided.append((t("doc.refusal_code"), doc.ground))
    if doc.reasons:
        decided.append((t("doc.grounds"), doc.reasons))
    _table(pdf, decided)
    if doc.details:
        _table(pdf, [(_label(line), _value(line)) for line in doc.details], size=9)

    # The signature, as checked when this file was made.
    _heading(pdf, t("result.signature"))
    check = doc.check
    if check.code == "NO_SIGNATURE":
        state = t("result.unsigned")
    elif check.code == "OK":
        state = t("result.signature_ok")
    else:
        state = t("result.signature_bad", code=check.code)
    signed = [(t("result.signature_state"), state)]
    if check.signer:
        signed.append((t("result.signer"), check.signer))
    if check.serial:
        signed.append((t("result.serial"), check.serial))
    signed.append((t("result.checked_at"), checked_at))
    if doc.sha256:
        signed.append((t("result.sha256"), doc.sha256))
    _table(pdf, signed, size=8.5)

    if contacts:
        pdf.ln(2)
        pdf.set_font(FONT, size=9)
        for line in contacts:
            pdf.multi_cell(width, 4.8, line, align="L", new_x="LMARGIN", new_y="NEXT")

    _check_block(pdf, t, verify_url, [a.name for a in attachments])
    for attached in attachments:
        pdf.embed_file(
            bytes=attached.content,
            basename=attached.name,
            mime_type=attached.media_type,
            desc=attached.description,
        )
    return bytes(pdf.output())


def _label(line: Line) -> str:
    return line.label or line.key


def _value(line: Line) -> str:
    if line.lines:
        return "\n".join(f"{_label(inner)}: {inner.value}" for inner in line.lines)
    return line.value


def _table(pdf: FPDF, rows: Sequence[tuple[str, str]], *, size: float = 10) -> None:
    from fpdf.fonts import FontFace

    rows = [(label, value) for label, value in rows if value]
    if not rows:
        return
    pdf.set_font(FONT, size=size)
    label_style = FontFace(color=(85, 85, 85))
    with pdf.table(
        col_widths=(58, 112),
        width=pdf.epw,
        borders_layout="NONE",
        first_row_as_headings=False,
        text_align="LEFT",
        v_align="TOP",
        line_height=size * 0.5,
        padding=(1.2, 1, 1.2, 0),
    ) as table:
        for label, value in rows:
            row = table.row()
            row.cell(label, style=label_style)
            row.cell(value)
    pdf.ln(1.5)


def _heading(pdf: FPDF, text: str) -> None:
    pdf.ln(2)
    pdf.set_font(FONT, size=11)
    with _bold(pdf):
        pdf.multi_cell(pdf.epw, 6, text, align="L", new_x="LMARGIN", new_y="NEXT")
    _rule(pdf, grey=180)


def _rule(pdf: FPDF, *, grey: int = 120) -> None:
    pdf.set_draw_color(grey)
    pdf.set_line_width(0.3)
    pdf.line(pdf.l_margin, pdf.get_y(), pdf.l_margin + pdf.epw, pdf.get_y())
    pdf.set_draw_color(0)
    pdf.ln(2)


@contextmanager
def _bold(pdf: FPDF) -> Iterator[None]:
    """The letters filled and stroked: a bold face without a second font."""
    # In a local context (saved and restored graphics state): fpdf2 sets the text rendering
    # mode inside the text object and never sets it back, so everything after would be bold.
    with pdf.local_context(text_mode="FILL_STROKE", line_width=0.2, draw_color=0):
        yield


def _check_block(
    pdf: FPDF, t: Callable[..., str], verify_url: str, attached: Sequence[str]
) -> None:
    """The QR code of the public check, its address beside it (both links), and what is
    attached."""
    size = 36.0
    pdf.ln(4)
    if pdf.get_y() + size > pdf.page_break_trigger:
        pdf.add_page()
    top = pdf.get_y()
    _qr(pdf, verify_url, x=pdf.l_margin, y=top, size=size)
    pdf.link(pdf.l_margin, top, size, size, verify_url)
    beside = pdf.l_margin + size + 6
    width = pdf.epw - size - 6
    pdf.set_xy(beside, top + 2)
    pdf.set_font(FONT, size=9.5)
    pdf.multi_cell(width, 5, t("result.check_by_qr"), align="L", new_x="LEFT", new_y="NEXT")
    pdf.set_text_color(20, 60, 160)
    pdf.multi_cell(width, 5, verify_url, align="L", link=verify_url, new_x="LEFT", new_y="NEXT")
    pdf.set_text_color(0)
    if attached:
        pdf.set_xy(beside, pdf.get_y() + 2)  # not ln(): it goes back to the left margin
        pdf.set_font(FONT, size=8.5)
        note = t("result.attached", names=", ".join(attached))
        pdf.multi_cell(width, 4.5, note, align="L", new_x="LEFT", new_y="NEXT")
    pdf.set_xy(pdf.l_margin, max(pdf.get_y(), top + size) + 2)


def _qr(pdf: FPDF, text: str, *, x: float, y: float, size: float) -> None:
    """Draw the QR code as filled squares: vector, no image library involved."""
    code = segno.make(text, error="m", micro=False)
    matrix = [list(row) for row in code.matrix]
    module = size / len(matrix)
    pdf.set_fill_color(0, 0, 0)
    for row_index, row in enumerate(matrix):
        for col_index, dark in enumerate(row):
            if dark:
                pdf.rect(x + col_index * module, y + row_index * module, module, module, "F")

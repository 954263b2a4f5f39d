# ruff: noqa: RUF001, RUF002  -- Kazakh letters and labels on purpose
"""The result document as a PDF (003 p.8-9: the applicant downloads the result): the
document's fields, the signature details, and a QR code linking to the public verification
endpoint. Noto Sans (OFL, shipped in the ``fontpkg-noto-sans`` wheel) is embedded, subset, so
Kazakh letters (ә, ғ, қ, ң, ө, ұ, ү, һ, і) print without any font on the reader's machine."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import TYPE_CHECKING, Any

import segno

from portal_svc.domain.texts import Language
from shared.regulation.model import Contact

if TYPE_CHECKING:
    from fpdf import FPDF


def _font() -> str:
    # Read from the installed wheel (a plain directory), never fetched at run time.
    return str(resources.files("fontpkg_noto_sans") / "files" / "NotoSans[wdth,wght].ttf")


_LABELS: dict[str, dict[Language, str]] = {
    "title": {"kk": "Мемлекеттік қызмет нәтижесі", "ru": "Результат госуслуги", "en": "Result"},
    "number": {"kk": "Құжат нөмірі", "ru": "Номер документа", "en": "Document number"},
    "request": {"kk": "Өтініш", "ru": "Заявка", "en": "Request"},
    "service": {"kk": "Қызмет", "ru": "Услуга", "en": "Service"},
    "decision": {"kk": "Шешім", "ru": "Решение", "en": "Decision"},
    "signature": {"kk": "ЭЦҚ", "ru": "ЭЦП", "en": "EDS"},
    "signer": {"kk": "Қол қойған", "ru": "Подписал", "en": "Signed by"},
    "check": {"kk": "Тексеру", "ru": "Проверка", "en": "Check"},
    "sha256": {"kk": "Құжаттың SHA-256", "ru": "SHA-256 документа", "en": "Document SHA-256"},
    "contacts": {
        "kk": "Қызмет туралы ақпарат телефоны",
        "ru": "Телефон для информации об услуге",
        "en": "Telephone for information on the service",
    },
    "verify_at": {
        "kk": "Түпнұсқалығын тексеру",
        "ru": "Проверить подлинность",
        "en": "Verify authenticity",
    },
}


@dataclass(frozen=True)
class SignatureCheck:
    code: str  # a VerificationCode value, checked when the PDF is made
    signer: str | None


def _value(value: Any) -> str:
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    return "" if value is None else str(value)


def contact_lines(contacts: Sequence[Contact], language: Language) -> list[str]:
    """One line per telephone number the regulation gives, in the reader's language."""
    return [
        f"{_LABELS['contacts'][language]}: {c.number} ({getattr(c.label, language)})"
        for c in contacts
    ]


def render(
    result: Mapping[str, Any],
    *,
    check: SignatureCheck,
    verify_url: str,
    language: Language,
    contacts: Sequence[Contact] = (),
) -> bytes:
    def label(key: str) -> str:
        return _LABELS[key][language]

    # Imported here, not at the top: fpdf2 takes about 0.35 s to import, a fifth of every
    # `egov run` start, and only a downloaded result needs it (docs/performance.md).
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.set_creator("egov-sim portal")
    pdf.set_title(f"{label('title')} {result.get('number')}")
    pdf.add_page()
    pdf.add_font("Noto", "", _font())
    pdf.set_font("Noto", size=16)
    pdf.multi_cell(0, 9, label("title"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Noto", size=10)
    rows = [
        (label("number"), result.get("number")),
        (label("request"), result.get("request_id")),
        (label("service"), result.get("service")),
        (label("decision"), result.get("decision")),
    ]
    document = result.get("document")
    if isinstance(document, Mapping):
        rows += [(str(k), v) for k, v in sorted(document.items())]
    rows += [
        (label("signature"), check.code),
        (label("signer"), check.signer),
        (label("sha256"), result.get("document_sha256")),
    ]
    for name, value in rows:
        pdf.multi_cell(0, 6, f"{name}: {_value(value)}", new_x="LMARGIN", new_y="NEXT")
    # The act's contact lines (000 p.12, 003 p.10: 1414; 004 p.11: the provider's numbers).
    for line in contact_lines(contacts, language):
        pdf.multi_cell(0, 6, line, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.multi_cell(0, 6, f"{label('verify_at')}: {verify_url}", new_x="LMARGIN", new_y="NEXT")
    _qr(pdf, verify_url, x=pdf.l_margin, y=pdf.get_y() + 2, size=40)
    return bytes(pdf.output())


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

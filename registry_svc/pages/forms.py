"""The НУЦ pages' forms: reading a posted form, refusing a post from another site, and checking
what the operator typed before anything reaches the service layer. Each problem is named by
its field and a text key (registry_svc.pages.texts), so the page says it in the operator's
language; an invalid form stores nothing."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from urllib.parse import parse_qsl

from cryptography import x509
from fastapi import Request
from pydantic import ValidationError

from registry_svc.domain.registry import (
    EntityStatus,
    LegalEntity,
    LocalizedText,
    Person,
    PersonStatus,
)
from registry_svc.entrypoints.schemas import HolderKind
from registry_svc.holders import BadHolder, build_holder
from shared.envelope import SYSTEM_ID_PATTERN
from shared.ids import Gender, IdError, parse_bin, parse_iin
from shared.pki.keys import KeyAlgorithm
from shared.pki.profiles import EntityRole, Holder, KeyPurpose
from shared.pki.revocation import parse_reason

FORM_TYPE = "application/x-www-form-urlencoded"
MAX_FORM_BYTES = 32 * 1024
MAX_NAME = 200  # registry_svc.domain.registry.LocalizedText
MAX_ADDRESS = 400
MAX_HOLDER_NAME = 100
MIN_PASSWORD = 6
_SYSTEM_ID = re.compile(SYSTEM_ID_PATTERN)
REASONS = tuple(r.value for r in x509.ReasonFlags if r is not x509.ReasonFlags.remove_from_crl)


async def posted(request: Request) -> dict[str, str]:
    """The posted form's fields (``application/x-www-form-urlencoded``, UTF-8). Anything else,
    or more than these forms hold, reads as no fields, so every field is then missing."""
    kind = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if kind != FORM_TYPE:
        return {}
    body = await request.body()
    if len(body) > MAX_FORM_BYTES:
        return {}
    try:
        pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True, max_num_fields=40)
    except (UnicodeDecodeError, ValueError):
        return {}
    # NUL cannot be stored (PostgreSQL's jsonb) and no field of these forms needs it.
    return {k: v.replace("\x00", "") for k, v in pairs}


@dataclass(frozen=True)
class Problem:
    """What is wrong with a field: a text key and its values."""

    key: str
    values: Mapping[str, Any] = field(default_factory=dict)


@dataclass
class Checked:
    """A form's fields as typed (shown back on the page) and their problems."""

    fields: dict[str, str]
    problems: dict[str, Problem] = field(default_factory=dict)

    def text(self, name: str, *, required: bool = True, limit: int = MAX_NAME) -> str:
        value = self.fields.get(name, "").strip()
        if not value:
            if required:
                self.problems[name] = Problem("ra.required")
        elif len(value) > limit:
            self.problems[name] = Problem("ra.too_long", {"max": limit})
        return value

    def iin(self, name: str) -> str:
        value = self.text(name, limit=12)
        if value and name not in self.problems:
            try:
                parse_iin(value, strict_date=True)
            except IdError as exc:
                self.problems[name] = Problem(f"ra.id.{exc.code.value}")
        return value

    def bin(self, name: str, *, required: bool = True) -> str:
        value = self.text(name, limit=12, required=required)
        if value and name not in self.problems:
            try:
                parse_bin(value)
            except IdError as exc:
                self.problems[name] = Problem(f"ra.id.{exc.code.value}")
        return value

    def day(self, name: str, today: date, *, required: bool = True) -> date | None:
        value = self.text(name, limit=10, required=required)
        if not value or name in self.problems:
            return None
        try:
            found = date.fromisoformat(value)
        except ValueError:
            self.problems[name] = Problem("ra.bad_date")
            return None
        if found > today:
            self.problems[name] = Problem("ra.future_date")
            return None
        return found

    def choice(self, name: str, allowed: tuple[str, ...], default: str | None = None) -> str:
        value = self.fields.get(name, "").strip() or (default or "")
        if value not in allowed:
            self.problems[name] = Problem("ra.choose")
        return value

    def localized(self, name: str, *, required: bool = True) -> LocalizedText | None:
        """``<name>_kk`` and ``<name>_ru``: both, or (when not required) neither."""
        kk = self.text(f"{name}_kk", required=required)
        ru = self.text(f"{name}_ru", required=required)
        if not required and bool(kk) != bool(ru):
            self.problems[f"{name}_kk" if not kk else f"{name}_ru"] = Problem("ra.both_languages")
            return None
        return LocalizedText(kk=kk, ru=ru) if kk and ru else None

    @property
    def ok(self) -> bool:
        return not self.problems


def person_form(fields: dict[str, str], today: date) -> tuple[Person | None, Checked]:
    """A person to register in ГБД ФЛ; a blank birth date or gender is read from the IIN,
    one typed must agree with it."""
    form = Checked(fields)
    iin = form.iin("iin")
    surname = form.localized("surname")
    name = form.localized("name")
    patronymic = form.localized("patronymic", required=False)
    born = form.day("birth_date", today, required=False)
    gender = fields.get("gender", "").strip()
    if gender and gender not in tuple(Gender):
        form.problems["gender"] = Problem("ra.choose")
    citizenship = form.text("citizenship", required=False, limit=2) or "KZ"
    if "citizenship" not in form.problems and not (
        len(citizenship) == 2 and citizenship.isascii() and citizenship.isupper()
    ):
        form.problems["citizenship"] = Problem("ra.bad_country")
    address = form.text("address", limit=MAX_ADDRESS)
    status = form.choice("status", tuple(PersonStatus), PersonStatus.ACTIVE.value)
    if "iin" not in form.problems and iin:
        encoded = parse_iin(iin, strict_date=True)
        if born is None and "birth_date" not in form.problems:
            born = encoded.birth_date
        elif born is not None and born != encoded.birth_date:
            form.problems["birth_date"] = Problem("ra.birth_date_mismatch")
        if not gender:
            gender = encoded.gender.value
        elif gender != encoded.gender.value and "gender" not in form.problems:
            form.problems["gender"] = Problem("ra.gender_mismatch")
    if not form.ok or surname is None or name is None or born is None:
        return None, form
    try:
        person = Person(
            iin=iin,
            surname=surname,
            name=name,
            patronymic=patronymic,
            birth_date=born,
            gender=Gender(gender),
            citizenship=citizenship,
            address=address,
            status=PersonStatus(status),
        )
    except ValidationError:  # every field was checked above; a safety net, never a 500
        form.problems["iin"] = Problem("ra.form_invalid")
        return None, form
    return person, form


def entity_form(fields: dict[str, str], today: date) -> tuple[LegalEntity | None, Checked]:
    """A legal entity to register in ГБД ЮЛ; the registration date must agree with the year
    and month the BIN encodes."""
    form = Checked(fields)
    bin_ = form.bin("bin")
    name = form.localized("name")
    registered = form.day("registration_date", today)
    head = form.iin("head_iin")
    address = form.text("address", limit=MAX_ADDRESS)
    status = form.choice("status", tuple(EntityStatus), EntityStatus.ACTIVE.value)
    if bin_ and registered is not None and "bin" not in form.problems:
        encoded = parse_bin(bin_)
        if (registered.year % 100, registered.month) != (
            encoded.registration_yy,
            encoded.registration_month,
        ):
            form.problems["registration_date"] = Problem("ra.registration_mismatch")
    if not form.ok or name is None or registered is None:
        return None, form
    try:
        entity = LegalEntity(
            bin=bin_,
            name=name,
            registration_date=registered,
            head_iin=head,
            address=address,
            status=EntityStatus(status),
        )
    except ValidationError:
        form.problems["bin"] = Problem("ra.form_invalid")
        return None, form
    return entity, form


@dataclass(frozen=True)
class Issuance:
    """What the issue form asks of the certification authority."""

    holder: Holder
    purpose: KeyPurpose
    algorithm: KeyAlgorithm
    password: str
    reissue: bool


def issuance_form(fields: dict[str, str]) -> tuple[Issuance | None, Checked]:
    """A certificate to issue: an individual, a legal entity's representative in a role, or
    an information system, with the key file's password typed twice."""
    form = Checked(fields)
    kind = form.choice("kind", tuple(HolderKind))
    purpose = form.choice("purpose", tuple(KeyPurpose), KeyPurpose.SIGNING.value)
    algorithm = form.choice("algorithm", tuple(KeyAlgorithm), KeyAlgorithm.ES256.value)
    values: dict[str, Any] = {}
    if kind in (HolderKind.INDIVIDUAL, HolderKind.LEGAL_ENTITY):
        values["iin"] = form.iin("iin")
        values["surname"] = form.text("surname", limit=MAX_HOLDER_NAME)
        values["given_name"] = form.text("given_name", limit=MAX_HOLDER_NAME)
        values["patronymic"] = form.text("patronymic", required=False, limit=MAX_HOLDER_NAME)
    if kind == HolderKind.LEGAL_ENTITY:
        values["bin_"] = form.bin("bin")
        values["organization"] = form.text("organization")
        role = form.choice("role", tuple(EntityRole))
        values["role"] = EntityRole(role) if role in tuple(EntityRole) else None
    if kind == HolderKind.SYSTEM:
        system_id = form.text("system_id", limit=128)
        if system_id and not _SYSTEM_ID.fullmatch(system_id):
            form.problems["system_id"] = Problem("ra.bad_system_id")
        values["system_id"] = system_id
        values["organization"] = form.text("organization", required=False) or None
        values["bin_"] = form.bin("bin", required=False) or None
    password = fields.get("password", "")
    if len(password) < MIN_PASSWORD:
        form.problems["password"] = Problem("ra.password_short")
    elif password != fields.get("password_again", ""):
        form.problems["password_again"] = Problem("ra.password_differs")
    if not form.ok:
        return None, form
    try:
        holder = build_holder(kind, **values)
    except BadHolder:  # every field was checked above; a safety net, never a 500
        form.problems["kind"] = Problem("ra.form_invalid")
        return None, form
    return (
        Issuance(
            holder,
            KeyPurpose(purpose),
            KeyAlgorithm(algorithm),
            password,
            reissue=fields.get("reissue") == "on",
        ),
        form,
    )


def revocation_reason(fields: dict[str, str]) -> tuple[x509.ReasonFlags | None, Checked]:
    form = Checked(fields)
    chosen = form.choice("reason", REASONS)
    if not form.ok:
        return None, form
    return parse_reason(chosen), form


def hex_serial(text: str) -> int | None:
    """A serial number as the pages show it (hexadecimal), or None."""
    value = text.strip().lower().removeprefix("0x")
    if not value or len(value) > 40 or any(c not in "0123456789abcdef" for c in value):
        return None
    return int(value, 16)

"""Validate a request form against a definition's form schema (the portal and the operator
desks build their forms from the same fields)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from shared.ids import IdError, parse_bin, parse_iin
from shared.regulation.model import Definition, FieldType, FormField

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True)
class FieldProblem:
    field: str
    code: str  # REQUIRED, UNKNOWN_FIELD, WRONG_TYPE, TOO_LONG, PATTERN, NOT_A_CHOICE, INVALID
    message: str


def _check(spec: FormField, value: Any) -> FieldProblem | None:
    name = spec.name

    def problem(code: str, message: str) -> FieldProblem:
        return FieldProblem(name, code, message)

    if spec.type is FieldType.INTEGER:
        if isinstance(value, bool) or not isinstance(value, int):
            return problem("WRONG_TYPE", f"{name} must be an integer")
        return None
    if not isinstance(value, str):
        return problem("WRONG_TYPE", f"{name} must be a string")
    if spec.max_length is not None and len(value) > spec.max_length:
        return problem("TOO_LONG", f"{name} is {len(value)} characters, at most {spec.max_length}")
    if spec.pattern is not None and not re.fullmatch(spec.pattern, value):
        return problem("PATTERN", f"{name} does not match {spec.pattern}")
    if spec.type is FieldType.IIN_BIN:
        errors: list[str] = []
        for parse in (parse_iin, parse_bin):
            try:
                parse(value)
            except IdError as exc:
                errors.append(exc.message)
            else:
                return None
        return problem("INVALID", f"{name} is neither a valid IIN nor BIN ({errors[0]})")
    if spec.type is FieldType.DATE:
        try:
            date.fromisoformat(value)
        except ValueError:
            return problem("INVALID", f"{name} must be a date YYYY-MM-DD, got {value!r}")
    if spec.type is FieldType.ENUM and value not in spec.choices:
        return problem("NOT_A_CHOICE", f"{name} must be one of {', '.join(spec.choices)}")
    if spec.type is FieldType.EMAIL and not _EMAIL.fullmatch(value):
        return problem("INVALID", f"{name} is not an e-mail address")
    return None


def validate_form(definition: Definition, data: Mapping[str, Any]) -> list[FieldProblem]:
    """All problems of ``data`` (empty list: the form is valid), in the definition's order."""
    fields = {f.name: f for f in definition.form}
    problems = [
        FieldProblem(name, "UNKNOWN_FIELD", f"{definition.key} has no field {name!r}")
        for name in data
        if name not in fields
    ]
    for spec in definition.form:
        value = data.get(spec.name)
        if value is None or value == "":
            if spec.required:
                problems.append(FieldProblem(spec.name, "REQUIRED", f"{spec.name} is required"))
            continue
        found = _check(spec, value)
        if found is not None:
            problems.append(found)
    return problems

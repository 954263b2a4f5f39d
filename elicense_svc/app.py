"""How the elicense service presents itself on its HTTP edge (OpenAPI title and description);
bootstrap.py builds the app with ``shared.runtime.service_app`` and mounts its routes."""

# ruff: noqa: RUF001 - the Kazakh and Russian names are Cyrillic on purpose

from __future__ import annotations

TITLE = "elicense: «Е-лицензиялау» МДБ, the E-licensing state database"
DESCRIPTION = (
    "The state database of permits and licences («Е-лицензиялау» МДБ АЖ, ГБД "
    "«Е-лицензирование», elicense.kz): issued, re-issued, suspended, resumed and terminated "
    "permits with their central numbers."
)

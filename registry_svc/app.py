"""How the registry service presents itself on its HTTP edge (OpenAPI title and description);
bootstrap.py builds the app with ``shared.runtime.service_app`` and mounts its routes."""

# ruff: noqa: RUF001 - the Kazakh and Russian names are Cyrillic on purpose

from __future__ import annotations

TITLE = "registry: ЖТ/ЗТ МДБ registries and the ҰКО certification authority"
DESCRIPTION = (
    "The state databases of individuals (ЖТ МДБ, ГБД ФЛ, by IIN) and legal entities (ЗТ МДБ, "
    "ГБД ЮЛ, by BIN), and the simulated National Certification Authority (ҰКО, НУЦ РК) that "
    "issues signing certificates and publishes their revocation."
)

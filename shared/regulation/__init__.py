"""Regulations as executable data: the definition schema, its loader, version selection by date,
the step engine with working-day deadlines and timers, the SLA report and diagram rendering.

Mechanism only: every service-specific rule lives in the YAML definitions (package
``regulations``)."""

"""Sub-commands of the ``egov`` CLI, one Typer app per module."""

"""The project's common library: mechanisms shared by every service, no business rules."""

"""The provider workstation's entry points: HTTP API for staff, bus consumer for the gateway."""

"""E-licensing's test harness (SQLite log, simulated 2014 clock, its own test CA), reused as is
so that test_bodies.py drives the real handlers."""

from tests.elicense.conftest import (  # noqa: F401 - fixtures, found by name
    ca_2013,
    catalog,
    clock,
    directory,
    elicense_signer,
    engines,
    pki,
    registry,
    service,
    store,
)

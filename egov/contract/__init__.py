"""The status contract as files: the JSON Schemas generated from the pydantic models and the
AsyncAPI 3.0 document of the gateway's channels (``docs/asyncapi/``).

``python -m egov.contract write`` regenerates them; ``python -m egov.contract check`` exits 1
when the checked-in files differ from what the code generates (CI runs the same check as a
test, tests/contract/test_drift.py).
"""

"""The public status contract: what a downstream system receives on ``egov.status``.

The models here describe the status notification bodies the producers send today (provider
workstations and E-licensing); the JSON Schemas in ``docs/asyncapi/schemas/`` are generated from
them and from :class:`shared.envelope.Envelope` by ``python -m egov.contract write``.
"""

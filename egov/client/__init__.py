"""The typed async client of a running topology: see :mod:`egov.client.client`."""

from egov.client.actors import Applicant, ElicenseStaff, ProviderStaff, PscOperator
from egov.client.client import TopologyClient
from egov.client.errors import ClientError
from egov.client.keys import IssuedKey, KeyMaterialError, OperatorKeys, admin_signer
from egov.client.staff import StaffPost, appoint_provider_staff, write_elicense_directory
from egov.client.topology import (
    DEFAULT_PORTS,
    SERVICES,
    ManifestError,
    TopologyUrls,
    read_manifest,
)
from portal_svc.sdk import Attachment

__all__ = [
    "DEFAULT_PORTS",
    "SERVICES",
    "Applicant",
    "Attachment",
    "ClientError",
    "ElicenseStaff",
    "IssuedKey",
    "KeyMaterialError",
    "ManifestError",
    "OperatorKeys",
    "ProviderStaff",
    "PscOperator",
    "StaffPost",
    "TopologyClient",
    "TopologyUrls",
    "admin_signer",
    "appoint_provider_staff",
    "read_manifest",
    "write_elicense_directory",
]

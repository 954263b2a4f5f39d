"""Object identifiers used in certificates shaped like those of Kazakhstan's НУЦ (pki.gov.kz).

The 1.2.398 arc is Kazakhstan's national arc; 1.2.398.3.3 belongs to the НУЦ. Holder types are
carried in the extended key usage extension next to the standard purpose, as НУЦ does.
"""

from __future__ import annotations

from cryptography.x509.oid import ExtendedKeyUsageOID, ObjectIdentifier

# Standard purposes (RFC 5280 4.2.1.12): signing keys are "email protection" (document
# signing in НУЦ's profile), authentication keys are "TLS client authentication".
EKU_SIGNING = ExtendedKeyUsageOID.EMAIL_PROTECTION  # 1.3.6.1.5.5.7.3.4
EKU_AUTH = ExtendedKeyUsageOID.CLIENT_AUTH  # 1.3.6.1.5.5.7.3.2

HOLDER_INDIVIDUAL = ObjectIdentifier("1.2.398.3.3.4.1.1")
HOLDER_LEGAL_ENTITY_ARC = "1.2.398.3.3.4.1.2"

# Certificate policies of the simulated НУЦ: one per (holder kind, key purpose).
POLICY_INDIVIDUAL_SIGNING = ObjectIdentifier("1.2.398.3.3.2.1")
POLICY_INDIVIDUAL_AUTH = ObjectIdentifier("1.2.398.3.3.2.2")
POLICY_LEGAL_ENTITY_SIGNING = ObjectIdentifier("1.2.398.3.3.2.3")
POLICY_LEGAL_ENTITY_AUTH = ObjectIdentifier("1.2.398.3.3.2.4")

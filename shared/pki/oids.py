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

# Holder types (НУЦ's arc 1.2.398.3.3.4.1): an individual; a legal entity, whose certificates
# carry the legal-entity OID itself and one more arc below it for the holder's role
# (1 first head, 2 right to sign, 3 finance, 4 HR, 5 employee) or, for an information system
# the legal entity owns, 6.
HOLDER_INDIVIDUAL = ObjectIdentifier("1.2.398.3.3.4.1.1")
HOLDER_LEGAL_ENTITY = ObjectIdentifier("1.2.398.3.3.4.1.2")
HOLDER_LEGAL_ENTITY_ARC = HOLDER_LEGAL_ENTITY.dotted_string
HOLDER_INFORMATION_SYSTEM = ObjectIdentifier(f"{HOLDER_LEGAL_ENTITY_ARC}.6")

# Certificate policies of НУЦ (certificatePolicies), one per (holder kind, key purpose):
# legal entities .1 signing / .2 authentication, individuals .3 signing / .4 authentication.
POLICY_LEGAL_ENTITY_SIGNING = ObjectIdentifier("1.2.398.3.3.2.1")
POLICY_LEGAL_ENTITY_AUTH = ObjectIdentifier("1.2.398.3.3.2.2")
POLICY_INDIVIDUAL_SIGNING = ObjectIdentifier("1.2.398.3.3.2.3")
POLICY_INDIVIDUAL_AUTH = ObjectIdentifier("1.2.398.3.3.2.4")

# The delegated OCSP responder (RFC 6960 4.2.2.2): id-kp-OCSPSigning in its EKU, and
# id-pkix-ocsp-nocheck (4.2.2.2.1) so clients do not ask about the responder's own status.
EKU_OCSP_SIGNING = ExtendedKeyUsageOID.OCSP_SIGNING  # 1.3.6.1.5.5.7.3.9

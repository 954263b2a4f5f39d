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

# The simulator's own roles (not НУЦ's): a UUID-derived arc (ITU-T X.667, 2.25.<uuid>), which
# needs no registration and cannot collide with a real one. A role OID sits in the EKU next to
# the holder OIDs, as НУЦ carries a legal entity's roles, on the certificate of a person
# employed by the simulator's operator (SIMULATOR_OPERATOR_BIN). shared.authz reads them.
SIMULATOR_ARC = "2.25.30403022610901746162976610496096449587"
ROLE_ARC = f"{SIMULATOR_ARC}.1"
ROLE_RA_OPERATOR = ObjectIdentifier(f"{ROLE_ARC}.1")  # registration authority at the НУЦ
ROLE_REGISTRAR = ObjectIdentifier(f"{ROLE_ARC}.2")  # writes ГБД ФЛ / ГБД ЮЛ
ROLE_GATEWAY_OPERATOR = ObjectIdentifier(f"{ROLE_ARC}.3")  # the gateway's operator routes
ROLE_SIMULATION_OPERATOR = ObjectIdentifier(f"{ROLE_ARC}.4")  # moves the simulated clock

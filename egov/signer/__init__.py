"""``egov signer``: a local signer a web page talks to as it talks to NCALayer, the НУЦ's
signing application (docs/signer.md).

A WebSocket server on 127.0.0.1 (``server``) speaks NCALayer's protocol (``protocol``): the
``kz.gov.pki.knca.basics`` module's ``sign`` and the older ``kz.gov.pki.knca.commonUtils``
methods, answering with CMS signatures (``shared.pki.cms``) made with the user's PKCS#12 key
files (``keys``). Which key signs, and its password, is decided by the person at the signer
(``choosers``: a terminal prompt) or by its start options (unattended, for tests), never by the
page. ``tls`` makes its certificate for ``wss://``.
"""

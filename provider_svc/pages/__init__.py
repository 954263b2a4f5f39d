"""The workstation's pages for its staff (ЭҮӨШ АЖО / ЖАО АЖ): signing in with the department's
certificate, the inbox of one's roles, a request's card with the actions the step engine allows
(signing the result through the local signer), step extensions, paper intake and the head's
SLA chart. Server-rendered over the same service layer as the API (``provider_svc.handlers``,
``provider_svc.projections``); ``router.mount_pages`` puts them on the service's app."""

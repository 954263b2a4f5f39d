"""E-licensing's pages for people (elicense.kz): the public permit check, the staff's desk (the
provider's requests, a request's card and its actions, the permits' commands) and the
applicant's door (filing a request at elicense.kz and following one's own requests). They use
the same service layer as the API (elicense_svc.handlers); see docs/web.md, "E-licensing"."""

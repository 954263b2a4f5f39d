"""``egov load``: an open-loop load generator over a synthetic population.

Applicants (valid IINs, certificates from the simulated НУЦ) file requests at the portal at a
rate R with a service mix; staff bots do the workstations' steps as soon as a request reaches
them, choosing among the step engine's allowed actions; every application is followed to its
final status in the cabinet and timed stage by stage.

Modules: :mod:`.mix` (the ``--mix`` and outcome mix), :mod:`.arrivals` (the open-loop
schedule), :mod:`.stats` (quantiles and the summary), :mod:`.population` (synthetic applicants
and forms), :mod:`.topology` (the adapter to a running topology), :mod:`.bots` (staff),
:mod:`.runner` (one run), :mod:`.display` (the live table and the summary).
"""

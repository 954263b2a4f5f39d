"""The pages people use in a browser, one shared look for every service: a Jinja2 layout with
the kk/ru/en switch (``render``), the static files (``shared/pages/static``: the stylesheet,
the small script that talks to the local signer and follows live updates, and the pinned
third-party files ``vendor`` brings), and the offline ``/docs``. Each service's own pages live
in its package beside its API and render through :class:`shared.pages.render.Pages`."""

"""What every service's HTTP edge serves for a browser, whatever its own pages: the static files
(``/static``: the stylesheet, the script, the vendored third-party files), ``/docs`` working
offline (Swagger UI from ``/static/vendor/swagger-ui-dist``, not a CDN), and ``/``, the
service's home page: its pages (``app.state.pages.nav``) and the developer's links."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from shared.pages.render import SHARED_TEMPLATES, STATIC, Pages
from shared.pages.texts import Texts

SWAGGER = "/static/vendor/swagger-ui-dist"


def install(app: FastAPI, service: str) -> None:
    """Mount ``/static``, ``/docs`` and ``/`` on ``app`` (shared.web.create_service_app)."""
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    # A service replaces this with its own Pages (its templates, texts and menu).
    app.state.pages = Pages(service, SHARED_TEMPLATES, Texts({}), title_key=f"service.{service}")

    @app.get("/docs", include_in_schema=False)
    async def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url="/openapi.json",
            title=f"{app.title}: API",
            swagger_js_url=f"{SWAGGER}/swagger-ui-bundle.js",
            swagger_css_url=f"{SWAGGER}/swagger-ui.css",
            swagger_favicon_url=f"{SWAGGER}/favicon-32x32.png",
        )

    @app.get("/", response_class=HTMLResponse, tags=["pages"], summary="The service's home page")
    async def home(request: Request) -> HTMLResponse:
        pages: Pages = request.app.state.pages
        return pages.render(request, "home.html")

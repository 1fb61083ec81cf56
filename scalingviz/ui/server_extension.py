"""A Jupyter server extension for the dashboard served by a Jupyter server (Binder, JupyterHub):
one endpoint, ``<base_url>scalingviz/xsrf``, that sets the ``_xsrf`` cookie.

When the dashboard's page closes, Voila's page asks the server to shut its kernel down and sends the
``_xsrf`` cookie as the form's token. Voila streams the page, so the cookie it would set comes after
the headers have gone; the request was refused (403) and every closed page's kernel lived until the
idle cull. scalingviz's Voila template asks this endpoint for the cookie when the page has none.
``scalingviz dashboard`` (standalone Voila) sets the cookie with the page itself (:mod:`.serve`).

Enabled by ``scalingviz dashboard --configure-jupyter`` (``ServerApp.jpserver_extensions``).
"""

from __future__ import annotations

__all__ = ["XSRF_PATH"]

#: The endpoint, under the server's base URL.
XSRF_PATH = "scalingviz/xsrf"


def _jupyter_server_extension_points() -> list[dict[str, str]]:
    return [{"module": "scalingviz.ui.server_extension"}]


def _load_jupyter_server_extension(serverapp) -> None:
    from jupyter_server.base.handlers import JupyterHandler
    from jupyter_server.utils import url_path_join
    from tornado import web

    class XsrfHandler(JupyterHandler):
        @web.authenticated
        def get(self) -> None:
            self.xsrf_token  # noqa: B018 - reading it sets the cookie (tornado)
            self.set_header("Cache-Control", "no-store")
            self.set_status(204)
            self.finish()

    web_app = serverapp.web_app
    web_app.add_handlers(".*$", [(url_path_join(web_app.settings["base_url"], XSRF_PATH), XsrfHandler)])

"""Voila as ``scalingviz dashboard`` runs it: the same app, with compressed HTTP responses, uploads
up to the dashboard's limit, and pages whose kernel goes when the page goes.

Voila's own ``tornado_settings`` are applied after tornado has built its application, too late for
``compress_response`` (tornado installs the gzip transform in the constructor). Compressing the
page's JavaScript (plotly's bundle among it) divides the bytes of a first visit by about three.
When a page closes, Voila's page asks the server to shut its kernel down, sending the ``_xsrf``
cookie as the form's token. A page rendered from a preheated kernel never set that cookie, so the
request was refused (403) and every closed page's kernel lived until the idle cull. The page
handler here sets the cookie with the page.

Run as ``python -m scalingviz.ui.serve NOTEBOOK [voila options]``.
"""

from __future__ import annotations

from voila.app import Voila
from voila.tornado.handler import TornadoVoilaHandler

from .assets import WEBSOCKET_LIMIT

__all__ = ["CompressedVoila", "PageHandler", "main"]


class PageHandler(TornadoVoilaHandler):
    """Voila's page handler, setting the ``_xsrf`` cookie the page's close request sends back."""

    async def prepare(self, *args, **kwargs):
        await super().prepare(*args, **kwargs)
        self.xsrf_token  # noqa: B018 - reading it sets the cookie (tornado)


class CompressedVoila(Voila):
    """Voila whose tornado application gzips responses the browser accepts compressed."""

    def init_settings(self) -> dict:
        settings = super().init_settings()
        settings["compress_response"] = True
        settings["websocket_max_message_size"] = WEBSOCKET_LIMIT  # uploads up to the dashboard's limit
        return settings

    def init_handlers(self) -> list:
        return [(h[0], PageHandler, *h[2:]) if len(h) > 1 and h[1] is TornadoVoilaHandler else h
                for h in super().init_handlers()]


main = CompressedVoila.launch_instance

if __name__ == "__main__":
    main()

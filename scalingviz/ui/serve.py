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

from tornado import web
from traitlets import Integer
from voila.app import Voila
from voila.tornado.handler import TornadoVoilaHandler

from .assets import WEBSOCKET_LIMIT

__all__ = ["MAX_PAGES", "CompressedVoila", "PageHandler", "main", "open_pages"]

#: Most dashboard pages served at once (each holds a kernel of about 200 MB while it is open).
MAX_PAGES = 16


def open_pages(kernel_manager) -> int:
    """Kernels serving a page: every kernel but those ready and waiting in Voila's preheated pool.

    The pool holds tasks; a task is appended as soon as a page takes the kernel before it, and is done
    once its kernel has run the notebook. A pool kernel still starting counts as a page (one too many,
    for a few seconds), never the other way round.
    """
    waiting = 0
    for pool in getattr(kernel_manager, "_pools", {}).values():
        waiting += sum(1 for t in pool if t.done() and not t.cancelled() and t.exception() is None)
    return len(kernel_manager.list_kernel_ids()) - waiting


class PageHandler(TornadoVoilaHandler):
    """Voila's page handler, setting the ``_xsrf`` cookie the page's close request sends back, and
    refusing a page (503, with a page that says why) while ``max_pages`` pages are open."""

    async def prepare(self, *args, **kwargs):
        await super().prepare(*args, **kwargs)
        self.xsrf_token  # noqa: B018 - reading it sets the cookie (tornado)
        limit = self.settings.get("scalingviz_max_pages", MAX_PAGES)
        if self.request.method == "GET" and open_pages(self.kernel_manager) >= limit:
            why = (f"The dashboard is serving {limit} pages, its limit on this machine. A page's place is freed "
                   "when it is closed; try again in a minute.")
            raise web.HTTPError(503, why, reason=why)


class CompressedVoila(Voila):
    """Voila whose tornado application gzips responses the browser accepts compressed."""

    max_pages = Integer(MAX_PAGES, config=True, help="Most dashboard pages open at once; more get a 503 page.")

    def init_settings(self) -> dict:
        settings = super().init_settings()
        settings["compress_response"] = True
        settings["websocket_max_message_size"] = WEBSOCKET_LIMIT  # uploads up to the dashboard's limit
        settings["scalingviz_max_pages"] = self.max_pages
        return settings

    def init_handlers(self) -> list:
        return [(h[0], PageHandler, *h[2:]) if len(h) > 1 and h[1] is TornadoVoilaHandler else h
                for h in super().init_handlers()]


main = CompressedVoila.launch_instance

if __name__ == "__main__":
    main()

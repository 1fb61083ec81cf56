"""Voila as ``scalingviz dashboard`` runs it: the same app, with compressed HTTP responses.

Voila's own ``tornado_settings`` are applied after tornado has built its application, too late for
``compress_response`` (tornado installs the gzip transform in the constructor). Compressing the
page's JavaScript (plotly's bundle among it) divides the bytes of a first visit by about three.
Run as ``python -m scalingviz.ui.serve NOTEBOOK [voila options]``.
"""

from __future__ import annotations

from voila.app import Voila

__all__ = ["CompressedVoila", "main"]


class CompressedVoila(Voila):
    """Voila whose tornado application gzips responses the browser accepts compressed."""

    def init_settings(self) -> dict:
        settings = super().init_settings()
        settings["compress_response"] = True
        return settings


main = CompressedVoila.launch_instance

if __name__ == "__main__":
    main()

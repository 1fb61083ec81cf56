"""Controls: log-scale sliders with a typed entry and a unit, and the law picker.

A :class:`QuantityControl` is one row: label, log slider, a text box that accepts ``7B``,
``1.4T`` or ``2e19``, the unit, and an inline error line (CSS class ``sv-error``). A bad entry
shows the error and keeps the last good value; nothing raises into the page.
"""

from __future__ import annotations

import html
import math
from collections.abc import Callable
from contextlib import contextmanager

import ipywidgets as w

from ..presets import PRESETS
from ..units import format_quantity, parse_quantity

__all__ = ["QuantityControl", "close_tree", "error_html", "law_options"]


def close_tree(widget: w.Widget) -> None:
    """Close a widget, its children and its layout and style widgets.

    A widget that is only dropped from its parent stays registered (and in memory) for the
    kernel's lifetime; rebuilt rows and figures must be closed (the soak test measures this).
    """
    for child in getattr(widget, "children", ()):
        close_tree(child)
    for attr in ("layout", "style"):
        sub = getattr(widget, attr, None)
        if isinstance(sub, w.Widget):
            sub.close()
    widget.close()
    _release_anywidget(widget)


def _release_anywidget(widget: w.Widget) -> None:
    """anywidget connects every instance whose ``_esm`` is a file (plotly's FigureWidget) to the
    file's change signal (for hot reload) with a strong reference, so a closed FigureWidget is
    never freed: 0.36 MB per figure, measured. Disconnect this instance's slot. Works on
    anywidget 0.9-0.11 internals; if they change, this does nothing and the leak returns (the
    soak test would show it)."""
    try:
        from anywidget._file_contents import FileContents, VirtualFileContents
    except ImportError:  # pragma: no cover
        return
    for cls in type(widget).__mro__:
        for key in ("_esm", "_css"):
            contents = cls.__dict__.get(key)
            if not isinstance(contents, (FileContents, VirtualFileContents)):
                continue
            sig = contents.changed
            for slot in list(getattr(sig, "_slots", ())):
                fn = getattr(slot, "_f", None)
                cells = getattr(fn, "__closure__", None) or ()
                if any(c.cell_contents is widget for c in cells):
                    sig.disconnect(fn)


def error_html(message: str) -> str:
    """An inline error message, escaped."""
    return f'<span class="sv-error-text">&#9888; {html.escape(message)}</span>' if message else ""


class QuantityControl:
    """A positive quantity on a log slider with a typed entry.

    Parameters
    ----------
    name : str
        Short name shown as the label and used in messages (``N``).
    unit : str
        Unit shown after the entry (``params``).
    lo, hi : float
        Slider range; typed values outside it are refused with the range in the message.
    value : float
    css : str
        Stable CSS class for the whole row (``sv-N``).
    description : str
        Tooltip text.
    """

    def __init__(self, name: str, unit: str, lo: float, hi: float, value: float, css: str, description: str = "",
                 scientific: bool = False):
        self.name, self.unit, self.lo, self.hi = name, unit, lo, hi
        self.scientific = scientific  # show 2.7e+20 rather than suffixes (compute)
        self.scale = 1.0  # displayed = value / scale (e.g. tokens -> sequences)
        self._callbacks: list[Callable[[str, float], None]] = []
        self._value = float(value)
        self._silent = False
        self.slider = w.FloatLogSlider(
            value=value, base=10, min=math.log10(lo), max=math.log10(hi), step=0.005, readout=False,
            continuous_update=True, layout=w.Layout(width="100%", min_width="120px"),
        )
        self.text = w.Text(value="", continuous_update=False,
                           layout=w.Layout(width="84px"), tooltip="type e.g. 7B, 1.4T or 2e19")
        self.label = w.HTML(f'<b title="{html.escape(description)}">{html.escape(name)}</b>',
                            # min_width = width: the row must not squeeze a long name under its slider
                            layout=w.Layout(width=(lw := "28px" if len(name) <= 3 else f"{8 * len(name) + 6}px"),
                                            min_width=lw))
        self.unit_label = w.HTML(f'<span class="sv-unit">{html.escape(unit)}</span>', layout=w.Layout(width="86px"))
        # No width: 100%: with a widget's 2 px margins the row would stick out of its box by 4 px.
        self.error = w.HTML("")
        self.error.add_class("sv-error")
        row = w.HBox([self.label, self.slider, self.text, self.unit_label], layout=w.Layout(align_items="center"))
        self.widget = w.VBox([row, self.error], layout=w.Layout(width="100%", margin="0 0 2px 0"))
        self.widget.add_class(css)
        self.widget.add_class("sv-control")
        self.text.add_class(f"{css}-entry")
        self.text.value = self._fmt(self._value)
        self.slider.observe(self._on_slider, "value")
        self.text.observe(self._on_text, "value")

    # -- public API ---------------------------------------------------------------------
    @property
    def value(self) -> float:
        return self._value

    def set(self, value: float, *, notify: bool = False) -> None:
        """Set the value programmatically (clipped to the range), optionally notifying observers."""
        v = min(max(float(value), self.lo), self.hi)
        self._value = v
        with self._quiet():
            self.slider.value = v
            self.text.value = self._fmt(v)
        self.error.value = ""
        if notify:
            self._notify()

    def set_display(self, unit: str, scale: float) -> None:
        """Show (and read typed values) in another unit: displayed = value / scale."""
        self.unit, self.scale = unit, float(scale)
        self.unit_label.value = f'<span class="sv-unit">{html.escape(unit)}</span>'
        with self._quiet():
            self.text.value = self._fmt(self._value)
        self.error.value = ""

    def _fmt(self, v: float) -> str:
        x = v / self.scale
        if self.scientific and not 1e-2 <= x < 1e6:
            return f"{x:.4g}"
        return format_quantity(x, 4)

    def on_change(self, callback: Callable[[str, float], None]) -> None:
        """Call ``callback(name, value)`` when the user changes the value."""
        self._callbacks.append(callback)

    def show_error(self, message: str) -> None:
        self.error.value = error_html(message)

    def parse(self, text: str) -> float:
        """Parse typed text; raises ValueError naming the input, value and valid range."""
        v = parse_quantity(text, self.name)
        if not v > 0:
            raise ValueError(f"{self.name}: {text.strip()!r} is out of range; expected a positive number of {self.unit}")
        v *= self.scale
        if not (self.lo * (1 - 1e-9) <= v <= self.hi * (1 + 1e-9)):
            raise ValueError(
                f"{self.name}: {text.strip()!r} is out of range; valid: {format_quantity(self.lo / self.scale)} to "
                f"{format_quantity(self.hi / self.scale)} {self.unit}"
            )
        return min(max(v, self.lo), self.hi)

    @contextmanager
    def _quiet(self):
        """Set widget values without treating them as user input."""
        self._silent = True
        try:
            yield
        finally:
            self._silent = False

    # -- events -------------------------------------------------------------------------
    def _notify(self) -> None:
        for cb in self._callbacks:
            cb(self.name, self._value)

    def _on_slider(self, change) -> None:
        if self._silent:
            return
        new = float(change["new"])
        if abs(math.log10(new) - math.log10(self._value)) <= 0.5 * self.slider.step + 1e-12:
            return  # the browser snapping our own value to the slider's grid, not a user move
        self._value = new
        with self._quiet():
            self.text.value = self._fmt(self._value)
        self.error.value = ""
        self._notify()

    def _on_text(self, change) -> None:
        if self._silent:
            return
        try:
            v = self.parse(change["new"])
        except ValueError as exc:
            # Keep the last good value on the slider; keep the user's text so they can fix it.
            self.show_error(str(exc))
            return
        self.error.value = ""
        self._value = v
        with self._quiet():
            self.slider.value = v
        self._notify()


def law_options(capability: str | None = None, *, any_of: tuple[str, ...] = ()) -> list[tuple[str, str]]:
    """Dropdown options ``(label, name)`` from the preset registry, optionally filtered by capability."""
    out = []
    for name, p in PRESETS.items():
        if capability is not None and not p.has(capability):
            continue
        if any_of and not any(p.has(c) for c in any_of):
            continue
        tag = " [fitted]" if p.fitted and "fitted" not in p.title else ""
        out.append((f"{p.title}{tag}", name))
    return out

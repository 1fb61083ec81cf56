"""The dashboard: everything that imports ipywidgets or plotly lives here, and only here."""

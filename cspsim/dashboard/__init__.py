"""The trainer dashboard: the Solara page (``cspsim/dashboard/app.py``) and its parts.

See docs/DASHBOARD.md. The top layer with :mod:`cspsim.cli` (which launches it).
"""

"""The trainer dashboard's parts (the page itself is ``cspsim/app.py``; see docs/DASHBOARD.md)."""

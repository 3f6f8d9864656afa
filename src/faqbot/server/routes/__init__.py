"""The routes: ask.py (POST /api/ask), api.py (feedback, FAQ list, health, metrics), pages.py (the site
and the widget script), admin.py (reload and the report, behind a token)."""

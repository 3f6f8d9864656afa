"""The HTTP server: the FastAPI app (app.py's `create_app`), its routes (routes/), and what every
request passes through (middleware.py, fast_path.py, rate_limit.py, http_errors.py).

`POST /api/ask` lives in routes/ask.py; deps.py holds the dependencies routes share.
"""

"""The officer's review desk (``cchc web``): see, correct, accept or return each report.

A server-rendered Starlette app: ``app.create_app`` wires the routes, ``security`` the login,
roles and CSRF checks (middleware, before any handler), ``store`` the short DuckDB connections
shared with the nightly load, ``pages`` the data each page shows (also served as JSON),
``actions`` what an officer does, ``letter`` and ``pdf_page`` the documents it makes.
"""

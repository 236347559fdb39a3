"""Charging and financial reports: a pure query-and-aggregation layer (no web imports).

`ReportFilter` says what to report on; `sessions.session_rows` and `summary.build_summary`
compute; `csv_export` and `pdf` render. The API (`api/routes/reports.py`) and the CLI
(`chargegrid report`) are thin over these.
"""

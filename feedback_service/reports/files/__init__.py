"""How a period report becomes a file: XLSX, CSV and JSON.

`exports.py` writes the files as a stream, laid out by `export_layout.py` (the header
block and the sections) and `tthc_form.py` (Biểu II.06a as it is filed, also drawn on
the report's page), with the anonymised responses from `responses.py`, XLSX written by
`xlsx.py` and every CSV cell passed through `cells.py`. `export_runs.py` builds the
large ones in RQ jobs: asked for, reused, capped, polled, expired.
"""

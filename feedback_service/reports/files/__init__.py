"""How a period report becomes a file: XLSX, CSV and JSON."""

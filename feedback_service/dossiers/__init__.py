"""Dossiers from the one-door e-system: `records.py` registers them and records what
happens to them, `tokens.py` signs the QR printed beside the receipt, and
`timeliness.py` is the one rule of a dossier returned on time.
"""

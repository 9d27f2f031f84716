"""Counters and their QR codes (filled in by the QR work)."""

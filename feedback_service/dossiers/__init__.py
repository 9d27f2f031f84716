"""Dossiers from the one-door e-system: registering them and the QR printed on the receipt."""

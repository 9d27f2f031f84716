"""Negative-feedback alerts to subscribed systems (Standard Webhooks): `alerts.py`
builds and signs them, `delivery.py` sends one attempt and sweeps up what was lost.
"""

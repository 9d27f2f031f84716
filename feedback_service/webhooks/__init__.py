"""Negative-feedback alerts to subscribed systems (Standard Webhooks)."""

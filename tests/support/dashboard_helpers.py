"""Accounts and logged-in test clients for the dashboard tiers."""
from __future__ import annotations

import re

PASSWORD = "mat-khau-du-dai"


def make_user(runner, username: str, role: str, unit: str | None = None, password: str = PASSWORD) -> None:
    args = ["users", "create", "--username", username, "--password", password, "--role", role]
    if unit:
        args += ["--unit", unit]
    result = runner.invoke(args=args)
    assert result.exit_code == 0, result.output


def csrf_token(client, path: str = "/login") -> str:
    html = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def log_in(client, username: str, password: str = PASSWORD):
    return client.post("/login", data={"username": username, "password": password,
                                       "csrf_token": csrf_token(client)})

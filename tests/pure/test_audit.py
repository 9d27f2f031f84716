"""`make audit` (scripts/audit.py): a dependency audit that cannot answer says so and
does not fail the build; one that finds a known vulnerability fails it; and an audit
where every package was skipped is never reported as "no known vulnerabilities"."""
from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))

from audit import parse, verdict  # noqa: E402

# What pip-audit 2.10 prints here, against a package index without the JSON API.
ALL_SKIPPED = json.dumps({"dependencies": [
    {"name": "flask", "skip_reason": "Dependency not found on PyPI and could not be audited: flask (3.1.3)"},
    {"name": "gunicorn", "skip_reason": "Dependency not found on PyPI and could not be audited: gunicorn (27.0.1)"},
], "fixes": []})
UNREACHABLE = ("Traceback (most recent call last):\n  ...\nrequests.exceptions.ConnectionError: "
               "HTTPSConnectionPool(host='api.osv.dev', port=443): Max retries exceeded with url: /v1/query")
CLEAN = json.dumps({"dependencies": [{"name": "flask", "version": "3.1.3", "vulns": []},
                                     {"name": "gunicorn", "version": "27.0.1", "vulns": []}]})
VULNERABLE = json.dumps({"dependencies": [
    {"name": "flask", "version": "3.1.3", "vulns": []},
    {"name": "gunicorn", "version": "22.0.0", "vulns": [
        {"id": "GHSA-hc5x-x2vx-497g", "fix_versions": ["23.0.0"], "aliases": [], "description": "smuggling"}]}]})


def test_every_package_skipped_is_reported_as_nothing_checked_not_as_clean():
    status, lines = verdict([parse("pypi", 0, ALL_SKIPPED, "")])
    report = "\n".join(lines)
    assert status == 0
    assert "NOTHING WAS CHECKED" in report
    assert "no known vulnerabilities" not in report.lower()


def test_an_unreachable_service_does_not_fail_the_build():
    status, lines = verdict([parse("pypi", 0, ALL_SKIPPED, ""), parse("osv", 1, "", UNREACHABLE)])
    assert status == 0
    assert "NOTHING WAS CHECKED" in "\n".join(lines) and "api.osv.dev" in "\n".join(lines)


def test_a_known_vulnerability_fails_the_build_and_names_the_fix():
    status, lines = verdict([parse("pypi", 0, ALL_SKIPPED, ""), parse("osv", 1, VULNERABLE, "")])
    assert status == 1
    assert "gunicorn 22.0.0: GHSA-hc5x-x2vx-497g (fixed in 23.0.0)" in "\n".join(lines)


def test_a_clean_answer_says_how_many_packages_were_audited():
    status, lines = verdict([parse("osv", 0, CLEAN, "")])
    assert status == 0
    assert "no known vulnerabilities in 2 audited package(s)" in "\n".join(lines)


def test_pip_audit_failing_for_another_reason_fails_the_build():
    broken = "ERROR:pip_audit._cli:requirement flask==99 could not be resolved: no matching distribution"
    status, lines = verdict([parse("pypi", 1, "", broken)])
    assert status == 2

"""The period reports that go upward (commune → province): being built, see issue 10.

So far: `periods.py`, the calendar and NĐ 09/2019 official reporting periods.
"""

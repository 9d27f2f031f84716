"""Complaint cases opened by negative ratings.

`workflow.py` opens a case per negative rating and moves it through its states (due
dates counted by `working_calendar`), `timeliness.py` is the one rule of a case answered
in time, and `notices.py` e-mails the people told of a new case (`people/permissions.py`
says who) through `mail.py`.
"""

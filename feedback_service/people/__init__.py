"""Who acts on the service, and what each may do.

`permissions.py` is the one home of every permission rule (who sees a unit, acts,
handles operator material, handles or is told of a case, files, reviews or is told of
a report, reads its internal copy); `users.py` keeps dashboard accounts, `api_clients.py`
the API keys, and `operators.py` names the operator behind a request.
"""

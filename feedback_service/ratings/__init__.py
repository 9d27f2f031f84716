"""A citizen's rating: `instrument.py` (the questionnaire), `tokens.py` and `qr.py`
(the signed counter token and its QR), `abuse.py` (rate limits, allowances, honeypot,
cool-down) and `submission.py` (checking and storing it, for every channel).
"""

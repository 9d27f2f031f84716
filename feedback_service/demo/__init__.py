"""The Cao Bằng demo (`flask demo load`): `cao_bang.py` loads its units, counters and
officers; `answers.py` draws the citizens' answers and `dossiers.py` the dossiers.
"""

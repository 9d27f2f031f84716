"""Satisfaction summaries: `fold.py` folds ratings in exactly once, `read.py` reads them
back (with `keys.py`, the names both share), `scoring.py` holds the index arithmetic,
`trust.py` what the dossiers served say of the ratings, and `disclosure.py` the one
small-cell rule of what a reader may see.
"""

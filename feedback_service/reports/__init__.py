"""The period reports that go upward (commune → province).

What a report says: `document.py` (built live from the records), with `satisfaction.py`
(the rating side) and `tthc.py` (the dossier side, Biểu II.06a), `compilation.py` (a
province's compiled from its units' snapshots), `periods.py` (calendar and NĐ 09/2019
official periods). How it moves: `filing.py` (drafts, versions, review, deadlines),
`schedule.py` (drafts and mail when a period closes), `integrity.py` (its hash).
Who reads what: `audience.py` (internal or published copy), `publishing.py` (the
published copy). How it becomes a file: `files/`.
"""

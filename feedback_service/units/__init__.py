"""The unit tree (province → commune …) and each unit's counters and officers:
`tree.py` walks the tree by one rule, `succession.py` says what a dated split or merger
changes and when, `reorganisation.py` records one from CSV, `importing.py` loads the tree
from outside data, and `staff.py` changes a unit's counters and officers.
"""

"""The unit tree (province → commune …) and each unit's counters and officers:
`tree.py` walks the tree by one rule, `importing.py` loads it from outside data, and
`staff.py` changes a unit's counters and officers.
"""

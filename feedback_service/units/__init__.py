"""The unit tree (province → commune …), loading it, and each unit's counters and officers."""

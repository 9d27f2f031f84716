"""Satisfaction summaries: folding ratings in exactly once, reading them back, the index arithmetic."""

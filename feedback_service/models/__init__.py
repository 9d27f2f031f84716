"""The record store: units and the people who serve at them, ratings, summaries."""
from .ratings import PendingFold, Rating
from .summaries import SummaryAnswer, SummaryTotal
from .units import Counter, Officer, Unit

__all__ = ["Unit", "Counter", "Officer", "Rating", "PendingFold", "SummaryTotal", "SummaryAnswer"]

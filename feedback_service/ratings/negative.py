"""What makes a rating negative: the one rule behind webhook alerts and complaint cases."""
from __future__ import annotations

from ..models import Rating

# Overall levels 1–2 ("rất không hài lòng", "không hài lòng") make a rating negative.
LOW_OVERALL_MAX = 2


def negative_reasons(rating: Rating) -> list[str]:
    """Why a rating is negative (it alerts and opens a complaint case); empty when it is not.

    Flagged ratings (a repeat inside the cool-down, a filled honeypot) are kept
    out of every index and never alert either: they would let anyone page a unit.
    """
    if rating.flag_reason is not None:
        return []
    reasons = []
    if rating.overall <= LOW_OVERALL_MAX:
        reasons.append("low_overall")
    if any(answer is False for answer in (rating.conduct or {}).values()):
        reasons.append("conduct_no")
    if rating.comment:
        reasons.append("comment")
    return reasons

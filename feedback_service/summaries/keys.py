"""Names shared by the fold (writing summaries) and the readers."""

# Verified (dossier-linked) ratings are counted a second time under this prefix.
VERIFIED_PREFIX = "v:"

# Pseudo-questions folded beside the answers, read by the period reports: the channel of
# every counted rating, and the reason of every flagged one (counted, never in an index).
CHANNEL_QUESTION = "channel"
FLAG_QUESTION = "flag"

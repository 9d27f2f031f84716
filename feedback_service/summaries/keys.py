"""Names shared by the fold (writing summaries) and the readers."""

# Verified (dossier-linked) ratings are counted a second time under this prefix.
VERIFIED_PREFIX = "v:"

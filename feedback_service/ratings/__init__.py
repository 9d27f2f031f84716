"""A citizen's rating: the questionnaire, the signed counter token and QR, abuse rules, storing it."""

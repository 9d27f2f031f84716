"""The Cao Bằng demo: units, counters, officers, citizens' answers and dossiers."""

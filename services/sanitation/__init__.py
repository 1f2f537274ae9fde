"""Sanitation work that needs the e-services' records: dumping hotspots from citizens' reports."""

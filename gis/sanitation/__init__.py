"""Sanitation: waste containers, collection zones and routes, dumping hotspots, collection rounds."""

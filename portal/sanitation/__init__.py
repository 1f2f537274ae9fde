"""Waste collection: residents' collection days; the cleanliness department's containers, rounds, hotspots."""

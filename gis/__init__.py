"""Spatial models and queries (GeoAlchemy2); no Flask here."""

"""E-services domain: plain functions over an SQLAlchemy session; no Flask here."""

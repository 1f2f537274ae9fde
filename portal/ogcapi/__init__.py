"""OGC API – Features at /ogcapi: the public layers as collections of GeoJSON features, and as HTML pages."""

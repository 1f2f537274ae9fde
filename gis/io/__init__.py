"""Import map layers from GeoJSON, Shapefile, GeoPackage or CSV files, and export them as GeoJSON or CSV.

`reading` turns a file into features in EPSG:4326, `importing` checks them against a layer of
`layers` and writes them all or none, `exporting` writes a layer back in the columns an import reads.
"""

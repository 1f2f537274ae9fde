"""Open data at /open-data: the requests, anonymised, as CSV and GeoJSON, and the page that documents them."""

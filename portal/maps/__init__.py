"""The city map and the public GeoJSON layers behind it."""

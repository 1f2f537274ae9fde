"""Urban transport from GTFS: the network, departures, coverage."""

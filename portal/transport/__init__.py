"""Buses for residents: the lines, a stop's next departures, the stops near a place."""

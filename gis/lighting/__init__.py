"""Street lighting: light points, cabinets, their energy and their upkeep."""

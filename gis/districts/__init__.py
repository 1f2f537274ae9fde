"""Districts (أحياء / quartiers) of the commune."""

"""Signed certificates: issuing, revoking and checking documents."""

"""Signed certificates: the public verification pages, the published key and the holder's download."""

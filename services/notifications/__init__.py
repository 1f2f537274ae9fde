"""Email to citizens: an outbox written in the filing transaction, delivered later by a worker."""

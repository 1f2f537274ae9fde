"""Staff work on requests: queues, assignment, messages, decisions, duplicates and the audit trail."""

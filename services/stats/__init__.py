"""Service statistics: exact figures on requests, kept fast by a daily summary table maintained in each transaction."""

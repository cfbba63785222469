"""Services: use cases that combine domains in one transaction (decide and grant, pre-approve)."""

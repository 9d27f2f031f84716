"""Who acts on the service: dashboard accounts, API clients, and the audit trail."""

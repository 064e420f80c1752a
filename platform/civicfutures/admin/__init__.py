"""Administration pages: accounts, roles, tokens and the audit log."""

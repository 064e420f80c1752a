"""HTTP concerns shared by every area: locale, authentication, guards, errors, idempotency."""

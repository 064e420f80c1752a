"""Users, tokens, roles and the guards every route declares."""

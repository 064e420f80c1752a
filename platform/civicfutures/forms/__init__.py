"""Form definitions: the localized description of each intake form, for the API and the pages."""

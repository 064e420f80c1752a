"""Server-rendered pages for partners under `/{lang}/...`; `/` redirects by negotiated language."""

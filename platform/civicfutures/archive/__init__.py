"""The public story archive: what storytellers agreed to share, for anyone to read, search and
pass on (`service`), its pages (`pages`), Atom feed and sitemap (`feed`), and the
rendered answers kept per archive version (`cache`)."""

"""Where the platform keeps the files it writes and serves: one object store for snapshots,
briefings, exports, kept import files and recordings, chosen by CIVICFUTURES_STORAGE_URL (a local folder or an
S3 bucket), built on `obstore`.

`objects.Storage` puts (atomically), gets (streamed, or a byte range), heads, lists and deletes
objects by key; `ranges` reads HTTP `Range` headers; `downloads` answers them with 200, 206 or
416 from the store.
"""

"""A whole deployment in one file: the database, every object of the storage layer and the
files still kept in the exports folder (briefings, snapshots), so that restoring into an empty
deployment (an empty database and an empty store, possibly a different kind of store) gives
a platform that serves the same files.

`archive` owns the file's format (a tar file: a manifest, the database dump, `storage/<key>`,
`exports/<path>`) and checks every name in it; `service` decides what goes in and where it
goes back.
"""

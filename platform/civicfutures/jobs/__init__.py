"""Background jobs: briefing builds and other long work, run off the request.

`tables.Job` is what everyone reads; `service` enqueues, runs and reads jobs; `runners` hands
them to the runner of the engine (Procrastinate on PostgreSQL, this process on SQLite);
`kinds` names the function of each kind of job.
"""

"""Long work that runs in workers: batch printing, big exports and imports.

A `Job` is what a person asked for; its `JobChunk`s are the pieces any number of workers run in
parallel through Django's Tasks API (the django-tasks backport: the database backend by default,
RQ on Redis when TASKS_BACKEND=rq). The kind of work is a `Handler` registered by the app that
owns it (reports prints, orgs and assessments import), so this package imports no app.

A chunk is held by a lease, not by a worker: a worker that dies stops renewing it, and the
periodic sweep hands the chunk to another worker. Only the holder of the current lease can record
a chunk's result, so every piece of work counts exactly once however often it was started.
"""

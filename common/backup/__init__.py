"""Backup and restore that keep everything: the database and every media file in one archive
with a manifest (checksums of every file, a fingerprint of the data), restored only into an empty
database and checked against that manifest afterwards.

django-dbbackup was not used: it writes the database and the media as two separate backups with
no shared manifest, checksums or post-restore fingerprint, so one archive that can be verified as
a whole is written here with `pg_dump`/`pg_restore` and sqlite3's backup API instead.

It lives in `common`, the layer under every app, because it is an operation over the whole
project; it names the tables it checks through the app registry and imports no app.
"""

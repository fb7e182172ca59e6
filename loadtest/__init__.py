"""`make load`: simulated people saving score sheets at once, and a verifier proving nothing was lost.

run.py drives it (database, gunicorn, locust, verifier); seed.py fills the load database;
locustfile.py is the people; forms.py reads forms as a browser submits them; clientlog.py is what
the people were told; verify.py holds that against the audit trail and the stored totals.
"""

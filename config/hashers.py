"""Password hashing: Argon2id at the parameters OWASP's Password Storage Cheat Sheet gives as its
first choice (19 MiB of memory, 2 passes, 1 lane).

Django's own Argon2PasswordHasher asks for 100 MiB and 8 lanes: on the 2-core machine of
docs/benchmarks.md that costs about as much CPU as the PBKDF2 it replaces (≈ 0.18 s a hash, and
100 MiB per sign-in in flight), so sign-ins at the start of a working day would still queue every
other request behind them. At these parameters a hash costs ≈ 18 ms and 19 MiB, and it is
memory-hard, which PBKDF2 is not: an attacker's GPU pays for memory on every guess.

The algorithm name stays "argon2", so Django's hasher reads these hashes and this one reads
Django's; a stored hash made with other parameters is rehashed at its owner's next sign-in.
"""

from __future__ import annotations

from django.contrib.auth.hashers import Argon2PasswordHasher


class Argon2idHasher(Argon2PasswordHasher):
    time_cost = 2
    memory_cost = 19 * 1024  # KiB
    parallelism = 1

import pytest

from common.jobs import handlers
from common.jobs.engine import temporary_file


class Counting:
    """A kind of job for the engine's tests: each chunk writes its items, finishing joins them."""

    kind = "tests.counting"

    def __init__(self) -> None:
        self.runs: list[int] = []
        self.during = None

    def run_chunk(self, job, chunk, progress):
        self.runs.append(chunk.index)
        for done in range(1, chunk.size + 1):
            if self.during is not None:
                self.during(job, chunk, done)
            progress(done)
        handle = temporary_file()
        handle.write(",".join(map(str, chunk.params["items"])).encode())
        return handle, "txt"

    def finish(self, job, chunks, add_file):
        handle = temporary_file()
        handle.write(b"\n".join(chunk.file.read() for chunk in chunks))
        add_file(label="全部", filename="全部.txt", content_type="text/plain", handle=handle)


@pytest.fixture
def counting(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    handler = Counting()
    handlers.register(handler)
    yield handler
    handlers._registry.pop(handler.kind, None)

"""The blob cache: a later revision reads only the blobs that changed."""

from checks.blobcache import BlobCache
from checks.gitrevision import GitRevision
from checks.scan import run_file_checks
from tests.checks.trees import (
    CHECKS,
    FILES,
    commit,
    git,
)


def test_it_reads_only_the_blobs_that_changed_at_the_next_revision(tmp_path):
    git(tmp_path, "init", "-q")
    first = commit(tmp_path, FILES)
    second = commit(tmp_path, {"lib/util.py": "x = 2  # TODO\n# TODO again\n"})
    cache = BlobCache()
    with GitRevision(tmp_path, first) as tree:
        run_file_checks(CHECKS, tree, cache=cache)
    reads = cache.reads

    with GitRevision(tmp_path, second) as tree:
        cached = run_file_checks(CHECKS, tree, cache=cache)
        fresh = run_file_checks(CHECKS, tree)

    assert cache.reads == reads + 1
    assert {key: (o.status, o.summary, o.evidence) for key, o in cached.items()} == {
        key: (o.status, o.summary, o.evidence) for key, o in fresh.items()
    }
    assert cached["todo"].details["matches"] == 1 + 2  # app/settings.py, then lib/util.py

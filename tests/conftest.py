from __future__ import annotations

from collections.abc import Iterator

import pytest


def pytest_report_header() -> str:
    """Whether bubblewrap starts here: every test that runs a check needs it (the sandbox tests skip)."""
    from sandbox_helpers import bubblewrap_problem

    problem = bubblewrap_problem()
    return f"sandbox: {problem or 'bubblewrap starts'}"


@pytest.fixture(autouse=True)
def no_home_writes(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Nothing a test runs may write to the real $HOME (crash logs, git config, caches)."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / ".cache"))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("GIT_AUTHOR_NAME", "Test Author")
    monkeypatch.setenv("GIT_AUTHOR_EMAIL", "author@example.com")
    monkeypatch.setenv("GIT_COMMITTER_NAME", "Test Author")
    monkeypatch.setenv("GIT_COMMITTER_EMAIL", "author@example.com")
    # A pytest run inside a test must not inherit this run's plugin options.
    monkeypatch.delenv("PYTEST_ADDOPTS", raising=False)
    monkeypatch.delenv("PYTEST_XDIST_WORKER", raising=False)
    # No test reaches a public package index: suture names an upstream breakage from the index the
    # environment names (PyPI by default); a dead loopback port answers at once. The upstream tests
    # name their own index (tests/upstream_index.py).
    for name in ("UV_DEFAULT_INDEX", "UV_INDEX_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PIP_INDEX_URL", "http://127.0.0.1:9/simple")
    yield

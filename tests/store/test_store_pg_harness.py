"""The throwaway PostgreSQL harness itself: where it finds PostgreSQL, whom it runs as, when it may skip."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.pg import PgCluster, find_bindir, postgres_required, unavailable


@pytest.mark.parametrize(
    ("ci", "require", "required"),
    [("", "", False), ("true", "", True), ("1", "", True), ("false", "", False), ("", "1", True)],
)
def test_postgres_is_required_in_ci(monkeypatch: pytest.MonkeyPatch, ci: str, require: str, required: bool) -> None:
    monkeypatch.setenv("CI", ci)
    monkeypatch.setenv("KINDNESS_REQUIRE_POSTGRES", require)
    assert postgres_required() is required


def test_missing_postgres_fails_in_ci_and_skips_elsewhere(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KINDNESS_REQUIRE_POSTGRES", "")
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="required"):
        unavailable("not installed")
    monkeypatch.setenv("CI", "")
    with pytest.raises(pytest.skip.Exception, match="not installed"):
        unavailable("not installed")


def test_an_explicit_bindir_without_postgres_is_passed_over(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("KINDNESS_PG_BINDIR", str(tmp_path))
    found = find_bindir()
    assert found != tmp_path
    if found is not None:
        assert (found / "initdb").is_file() and (found / "pg_ctl").is_file()


@pytest.mark.postgres
def test_the_cluster_never_runs_as_root(postgres_cluster: PgCluster) -> None:
    owner = postgres_cluster.data.stat().st_uid
    assert owner == os.geteuid() if os.geteuid() != 0 else owner != 0
    assert postgres_cluster.running()

"""The throwaway PostgreSQL cluster of the fleet's tests, on CI's clean machine (as root)."""

import os
import tempfile
from pathlib import Path

import pytest

from tests.pgcluster import PostgresCluster


@pytest.mark.skipif(os.geteuid() != 0, reason="only root hands the cluster to nobody")
def test_the_cluster_s_folder_is_reachable_for_nobody_whatever_tmpdir_says(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    private = tmp_path / "root-only"
    private.mkdir(mode=0o700)
    monkeypatch.setattr(tempfile, "tempdir", str(private))
    cluster = PostgresCluster()
    try:
        # As nobody, the cluster's folder and the path to it: what initdb and PostgreSQL need.
        cluster._run("/usr/bin/test", "-w", str(cluster.folder))
    finally:
        cluster.stop()
    assert not cluster.folder.exists()

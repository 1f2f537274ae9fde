"""With no PostgreSQL server, the suite starts a throwaway PostGIS cluster and removes it."""

import os

import psycopg
import pytest

from tests.pgcluster import ThrowawayCluster


@pytest.fixture
def cluster(backend):
    if backend != "postgis":
        pytest.skip("exercised once per `make test`, in the PostGIS run")
    cluster = ThrowawayCluster()
    yield cluster
    cluster.stop()


def test_throwaway_cluster_serves_postgis_then_leaves_nothing_behind(cluster):
    url = cluster.start()
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute("CREATE EXTENSION postgis")
        version = connection.execute("SELECT postgis_lib_version()").fetchone()[0]
    assert version.startswith("3.")
    cluster.stop()
    assert not os.path.exists(cluster.dir)
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(url, connect_timeout=2)

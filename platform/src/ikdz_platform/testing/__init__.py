"""Test support shared by every package: infrastructure fixtures and unique names.

The pytest plugin (:mod:`ikdz_platform.testing.fixtures`) is registered through the ``pytest11``
entry point, so the fixtures ``infra``, ``mongo_db_name`` and ``topic_prefix`` exist in every test
directory of the workspace. Scripts (bench/) use :func:`provide_infra` directly.
"""

from ikdz_platform.testing.infra import Infra, docker_available, prepare_local_infra, provide_infra, resolve_source
from ikdz_platform.testing.naming import unique_database_name, unique_topic_prefix

__all__ = [
    "Infra",
    "docker_available",
    "prepare_local_infra",
    "provide_infra",
    "resolve_source",
    "unique_database_name",
    "unique_topic_prefix",
]

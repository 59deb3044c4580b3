"""Settings for the whole test run."""

from hypothesis import settings

# Property tests check what holds, not how fast: a per-example deadline only measures how busy the
# (two-core, shared) machine is, and made correct code fail as "flaky" under load.
settings.register_profile("ikdz", deadline=None)
settings.load_profile("ikdz")

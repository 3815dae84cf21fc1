"""Conformance suites shipped with skipjack, for its own backends and for third-party ones.

- ``skipjack.testing.storage_suite.StorageConformance``: subclass it in a test module and provide
  a ``storage`` fixture (and, for process-safe storages, ``storage_url``); every test runs.
- ``skipjack.testing.sampler_suite``: checks any ``BaseSampler`` against the sampling contract.
- ``skipjack.testing.pruner_suite``: the same for pruners.
- ``skipjack.testing.artifact_store_suite.ArtifactStoreConformance``: subclass it and provide an
  ``artifact_store`` fixture (a fresh, empty store).
"""

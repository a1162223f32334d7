"""The keys Slipway's state is kept under in GitHub's cache service (slipway.cache.keys)."""

from __future__ import annotations

from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from slipway.cache import keys as cache_keys
from slipway.oci.platforms import parse_platform
from slipway.oci.refs import parse_image_name

REPOS = ("ghcr.io/aquasecurity/trivy-db:2", "mirror.gcr.io/aquasec/trivy-db:2")
TODAY = date(2026, 12, 6)
UPDATED = "2026-12-06T00:17:27.118405+00:00"


def test_a_db_key_rolls_daily_and_names_the_db() -> None:
    key = cache_keys.db_key(REPOS, TODAY, UPDATED)
    lookup = cache_keys.db_lookup(REPOS, TODAY)
    assert key.startswith(lookup.restore_keys[0])  # today's entry matches first
    assert key.startswith(lookup.restore_keys[1])  # any day's, newest, after it
    assert lookup.key != key  # the exact key is never an entry: the prefixes decide
    assert not cache_keys.db_key(REPOS, date(2026, 12, 7), UPDATED).startswith(
        lookup.restore_keys[0]
    )
    saved = cache_keys.parse_db_key(key, REPOS)
    assert saved == cache_keys.SavedDB(TODAY, UPDATED)


def test_other_repositories_are_another_family() -> None:
    key = cache_keys.db_key(REPOS, TODAY, UPDATED)
    assert cache_keys.parse_db_key(key, REPOS[:1]) is None
    assert not key.startswith(cache_keys.db_prefix(REPOS[:1]))


def test_the_java_db_is_a_family_of_its_own() -> None:
    java = ("ghcr.io/aquasecurity/trivy-java-db:1",)
    key = cache_keys.db_key(java, TODAY, UPDATED, cache_keys.JAVA_DB)
    assert key.startswith("slipway-trivy-java-db-")
    lookup = cache_keys.db_lookup(java, TODAY, cache_keys.JAVA_DB)
    assert key.startswith(lookup.restore_keys[0])
    assert lookup.version == cache_keys.version(cache_keys.JAVA_DB)
    assert lookup.version != cache_keys.db_lookup(java, TODAY).version
    saved = cache_keys.parse_db_key(key, java, cache_keys.JAVA_DB)
    assert saved == cache_keys.SavedDB(TODAY, UPDATED)
    # neither family's lookup matches the other's entries
    assert cache_keys.parse_db_key(key, java) is None
    vulnerability = cache_keys.db_key(java, TODAY, UPDATED)
    assert not vulnerability.startswith(lookup.restore_keys[1])


@given(st.text(max_size=200))
def test_any_matched_key_is_read_or_refused(key: str) -> None:
    saved = cache_keys.parse_db_key(key, REPOS)
    assert saved is None or key == cache_keys.db_key(REPOS, saved.day, saved.updated_at)


def test_keys_obey_the_services_rules() -> None:
    images = [parse_image_name("ghcr.io/" + "a" * 200 + "/app")]
    platforms = [parse_platform("linux/amd64"), parse_platform("linux/arm64/v8")]
    scope = cache_keys.state_scope(images, platforms)
    keys = [
        cache_keys.db_key(REPOS, TODAY, UPDATED),
        *cache_keys.db_lookup(REPOS, TODAY).restore_keys,
        cache_keys.state_key(scope, "f" * 64),
        *cache_keys.state_lookup(scope).restore_keys,
        cache_keys.build_lookup("e" * 64).key,
    ]
    for key in keys:
        assert len(key) <= 512
        assert "," not in key
    kinds = (cache_keys.DB, cache_keys.JAVA_DB, cache_keys.STATE, cache_keys.BUILD)
    assert len({cache_keys.version(k) for k in kinds}) == 4


def test_the_state_scope_is_per_image_and_platform_set() -> None:
    app, other = parse_image_name("ghcr.io/acme/app"), parse_image_name("ghcr.io/acme/other")
    amd, arm = parse_platform("linux/amd64"), parse_platform("linux/arm64")
    assert cache_keys.state_scope([app], [amd, arm]) == cache_keys.state_scope([app], [amd, arm])
    assert cache_keys.state_scope([app], [amd]) != cache_keys.state_scope([app], [amd, arm])
    assert cache_keys.state_scope([app], [amd]) != cache_keys.state_scope([other], [amd])

"""Accept-Language negotiation (RFC 9110 section 12.5.4)."""

from __future__ import annotations

import pytest

from hub.language import negotiate
from models.enums import Language


@pytest.mark.parametrize("header", [None, "", "   "])
def test_no_preference_gives_italian(header: str | None) -> None:
    assert negotiate(header) is Language.IT


def test_a_supported_language_is_chosen() -> None:
    assert negotiate("en") is Language.EN
    assert negotiate("it") is Language.IT


def test_an_unsupported_language_falls_back_to_italian() -> None:
    assert negotiate("de") is Language.IT
    assert negotiate("fr, de;q=0.5") is Language.IT


def test_the_fallback_can_be_chosen_by_the_caller() -> None:
    assert negotiate("de", default=Language.EN) is Language.EN
    assert negotiate(None, default=Language.EN) is Language.EN


def test_region_tags_match_their_primary_language() -> None:
    assert negotiate("en-GB") is Language.EN
    assert negotiate("en-GB,en;q=0.9") is Language.EN
    assert negotiate("it-CH") is Language.IT


def test_tags_are_case_insensitive() -> None:
    assert negotiate("EN-us") is Language.EN


def test_the_highest_quality_wins_over_order() -> None:
    assert negotiate("it;q=0.4, en;q=0.8") is Language.EN
    assert negotiate("en;q=0.3, it") is Language.IT


def test_among_equal_qualities_the_first_listed_wins() -> None:
    assert negotiate("en, it") is Language.EN
    assert negotiate("it, en") is Language.IT
    assert negotiate("en;q=0.5, it;q=0.5") is Language.EN


def test_unsupported_languages_are_skipped_for_a_supported_one() -> None:
    assert negotiate("fr, it;q=0.5") is Language.IT
    assert negotiate("de-DE, fr;q=0.9, en;q=0.1") is Language.EN


def test_quality_zero_means_not_acceptable() -> None:
    assert negotiate("en;q=0") is Language.IT
    assert negotiate("it;q=0, en;q=0.1") is Language.EN


def test_a_malformed_quality_makes_the_entry_unacceptable() -> None:
    assert negotiate("en;q=high, it;q=0.2") is Language.IT
    assert negotiate("en;q=") is Language.IT


def test_other_parameters_and_whitespace_are_ignored() -> None:
    assert negotiate("  en ; level=1 ; q=0.9 ,it;q=0.5") is Language.EN


def test_empty_entries_and_wildcards_are_ignored() -> None:
    assert negotiate(",, en") is Language.EN
    assert negotiate("*") is Language.IT
    assert negotiate("*, en;q=0.1") is Language.EN

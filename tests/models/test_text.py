from __future__ import annotations

import pytest

from models.text import fold, search_document, search_terms


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Caffè-Letterario", "caffe letterario"),
        ("  PERCHÉ   No?! ", "perche no"),
        ("L'Età dell'oro", "l eta dell oro"),
        ("Straße", "strasse"),
        ("ﬁtness ½", "fitness 1 2"),
        ("Yoga 2024 – sessione #3", "yoga 2024 sessione 3"),
        ("...", ""),
        ("", ""),
    ],
)
def test_fold_lowers_case_and_strips_accents_and_punctuation(text: str, folded: str) -> None:
    assert fold(text) == folded


def test_search_document_folds_every_part_between_spaces() -> None:
    document = search_document(
        "Corso di Ceramica", None, "Laboratorio più serale", "", "Coop Isola"
    )

    assert document == " corso di ceramica laboratorio piu serale coop isola "


def test_search_document_lets_like_match_the_start_of_any_word() -> None:
    document = search_document("Caffè-Letterario")

    assert " letter" in document
    assert " caffe" in document
    assert " etterario" not in document


def test_search_document_of_nothing_is_a_single_space() -> None:
    assert search_document(None, "") == " "


def test_search_terms_are_folded_words_without_duplicates_in_order() -> None:
    assert search_terms("Yoga, YOGA e Pilates à Milano; yoga!") == [
        "yoga",
        "e",
        "pilates",
        "a",
        "milano",
    ]


def test_search_terms_of_punctuation_only_are_empty() -> None:
    assert search_terms(" -- ?! ") == []

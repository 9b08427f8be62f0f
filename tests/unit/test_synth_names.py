"""Synthetic names come from ids alone: stable, distinct over a run of ids, no random draws."""

from __future__ import annotations

from hrdpg.synth.names import horse_name, person_name


def test_consecutive_horse_ids_get_distinct_names() -> None:
    ids = range(1_000_000, 1_000_000 + 20_000)
    assert len({horse_name(i) for i in ids}) == len(ids)


def test_a_jockey_and_a_trainer_of_one_id_differ() -> None:
    assert all(person_name(i) != person_name(i, trainer=True) for i in range(1_000, 1_450))
    assert len({person_name(i) for i in range(1_000, 1_450)}) == 450

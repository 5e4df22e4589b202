"""What the engine does for speed must not change what it finds: parallel preparation, integer
ids inside Splink, training on a sample of a large file."""

from __future__ import annotations

from collections import Counter
from random import Random

import pandas as pd

from compatriot.linkage.engine import pipeline
from compatriot.linkage.engine.features import prepare

HEADER = ("id", "given_name", "family_name", "date_of_birth", "sex", "nationality", "phone")


def test_prepare_in_worker_processes_gives_what_one_process_gives() -> None:
    rows = [
        ("a1", "Mohammed", "Ali", "1990-03-04", "male", "EG", "+201001234567"),
        ("a2", "محمد", "علي", "1990-02-30", "male", "EGY", "01001234567"),  # impossible date
        ("a3", "Mohammed", "Ali", "1990-03-04", "male", "XX", "12"),  # bad country and phone
        ("a4", "Олена", "Коваленко", "1985", "female", "UA", "0501112233"),
        ("a5", "Mohammed", "Ali", "1990-02-30", "male", "EG", "+201001234567"),  # same bad date
        ("a6", "", "", "", "", "", ""),
        ("a7", "Pooja", "Sharma", "2001-05", "f", "IN", "09812345678; +919812345679"),
    ]
    records = [(line, dict(zip(HEADER, row, strict=True))) for line, row in enumerate(rows, 2)]
    alone = prepare(records, phone_regions=("UA",), workers=1)
    forked = prepare(records, phone_regions=("UA",), workers=2)
    pd.testing.assert_frame_equal(alone.frame, forked.frame)
    assert [str(problem) for problem in forked.problems] == [str(p) for p in alone.problems]
    # Each line with a bad value is reported, also when the value was read before.
    assert Counter(
        problem.line for problem in alone.problems if problem.field == "date_of_birth"
    ) == {
        3: 1,
        6: 1,
    }


GIVEN = ("Olena", "Mohammed", "Aygun", "Rahul", "Chinedu", "Fatima", "Yusuf", "Pooja", "Elvin",
         "Amina", "Ivan", "Sara", "Omar", "Leyla", "Arjun", "Ngozi", "Hassan", "Iryna", "Karim")  # fmt: skip
FAMILY = ("Kovalenko", "Ali", "Aliyeva", "Verma", "Okafor", "Zahra", "Haddad", "Sharma", "Bello",
          "Mammadov", "Shevchenko", "Khan", "Idrissi", "Nair", "Hasanova", "Adeyemi", "Bondar")  # fmt: skip


def _generated(people: int) -> tuple[pd.DataFrame, dict[str, str]]:
    """A registry of `people` with one in five registered again: the year of birth only, or
    without the phone, or with the names swapped."""
    rng = Random(7)
    rows, truth = [], {}
    for person in range(people):
        row = {"given_name": rng.choice(GIVEN), "family_name": rng.choice(FAMILY),
               "date_of_birth": f"{rng.randint(1950, 2015)}-{rng.randint(1, 12):02d}-"
                                f"{rng.randint(1, 28):02d}",
               "sex": rng.choice(("male", "female")), "nationality": "UA",
               "phone": f"+38050{rng.randint(1000000, 9999999)}"}  # fmt: skip
        copies = [row]
        if rng.random() < 0.2:
            again = dict(row)
            change = rng.choice(("year", "phone", "swap"))
            if change == "year":
                again["date_of_birth"] = row["date_of_birth"][:4]
            elif change == "phone":
                again["phone"] = ""
            else:
                again["given_name"], again["family_name"] = row["family_name"], row["given_name"]
            copies.append(again)
        for number, copy in enumerate(copies):
            identifier = f"p{person}-{number}"
            rows.append({"id": identifier, **copy})
            truth[identifier] = str(person)
    return prepare(enumerate(rows, 2)).frame, truth


def _found_pairs(clusters: pd.DataFrame, truth: dict[str, str]) -> tuple[int, int]:
    """(pairs put together, of which true)."""
    together = right = 0
    for members in clusters.groupby("cluster_id")["unique_id"]:
        ids = list(members[1])
        for i, left in enumerate(ids):
            for other in ids[i + 1 :]:
                together += 1
                right += truth[left] == truth[other]
    return together, right


def test_a_file_above_the_training_cap_is_trained_on_a_sample_and_still_links() -> None:
    frame, truth = _generated(1500)
    full, full_pairs, _ = pipeline.dedupe(frame)
    options = pipeline.Options(max_training_records=1000)
    sampled, pairs, stats = pipeline.dedupe(frame, options, saved_model=None)
    assert {"train_u", "train_m"} <= set(stats.seconds)
    together, right = _found_pairs(sampled, truth)
    full_together, full_right = _found_pairs(full, truth)
    # The sample's model finds about as many true pairs, about as precisely.
    assert right >= 0.9 * full_right
    assert right / together >= 0.9 * full_right / full_together
    # Pairs come back with the caller's ids, the lower (as text) on the left.
    assert set(pairs["unique_id_l"]) | set(pairs["unique_id_r"]) <= set(frame["unique_id"])
    assert (pairs["unique_id_l"] < pairs["unique_id_r"]).all()
    assert (full_pairs["unique_id_l"] < full_pairs["unique_id_r"]).all()

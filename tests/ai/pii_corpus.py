"""A generated, labelled corpus of Chinese and English strings for redaction precision/recall.

Identifiers are built here with an independent implementation of the GB 11643 and Luhn
checks (not the one under test). Every string records the spans of the personal data in it;
look-alikes (invalid checksums, order numbers, amounts, dates, 12x "mobiles") carry no label.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

REGIONS = ("110101", "310104", "440305", "510107", "330106", "420102", "620102", "450103")
ID_WEIGHTS = [2 ** (17 - i) % 11 for i in range(17)]  # GB 11643: W_i = 2^(i-1) mod 11, i=18..2
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华"
EN_FIRST = ("John", "Mary", "Wei", "Linda", "James", "Fang", "Robert", "Susan")
EN_LAST = ("Smith", "Chen", "Brown", "Wang", "Taylor", "Li", "Johnson", "Zhang")


@dataclass(frozen=True)
class Sample:
    text: str
    spans: tuple[tuple[int, int, str], ...]  # (start, end, entity type)
    invalid_ids: tuple[str, ...] = ()  # invalid-checksum IDs planted in the text


def id_check(body: str) -> str:
    total = sum(int(d) * w for d, w in zip(body, ID_WEIGHTS, strict=True))
    return "10X98765432"[total % 11]


def luhn_digit(body: str) -> str:
    total = 0
    for i, ch in enumerate(reversed(body)):
        d = int(ch)
        if i % 2 == 0:  # doubling starts from the digit next to the check digit
            d = d * 2 - 9 if d * 2 > 9 else d * 2
        total += d
    return str((10 - total % 10) % 10)


def make_id(rng: random.Random, valid: bool = True) -> str:
    body = (
        rng.choice(REGIONS)
        + f"{rng.randint(1950, 2005)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
        + f"{rng.randint(0, 999):03d}"
    )
    check = id_check(body)
    if not valid:
        check = rng.choice([c for c in "0123456789X" if c != check])
    return body + check


def make_mobile(rng: random.Random, style: int = 0) -> str:
    digits = rng.choice("3456789") + "".join(rng.choice("0123456789") for _ in range(9))
    n = "1" + digits
    return [n, f"{n[:3]}-{n[3:7]}-{n[7:]}", f"{n[:3]} {n[3:7]} {n[7:]}", f"+86 {n}"][style % 4]


def make_card(rng: random.Random, valid: bool = True, spaced: bool = False) -> str:
    prefix, length = rng.choice(
        [
            ("622202", 19),
            ("621700", 19),
            ("622848", 19),
            ("625", 16),
            ("4", 16),
            ("53", 16),
            ("6217", 16),
        ]
    )
    body = prefix + "".join(rng.choice("0123456789") for _ in range(length - len(prefix) - 1))
    check = luhn_digit(body)
    if not valid:
        check = str((int(check) + rng.randint(1, 9)) % 10)
    n = body + check
    return " ".join(n[i : i + 4] for i in range(0, len(n), 4)) if spaced else n


def make_email(rng: random.Random) -> str:
    user = rng.choice(["zhang.wei", "li_na88", "m.smith", "wang2023", "chen-fang"])
    return f"{user}@{rng.choice(['example.com', 'mail.cn', 'bank.com.cn', 'qq.com'])}"


def cn_name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.randint(1, 2)))


def en_name(rng: random.Random) -> str:
    return f"{rng.choice(EN_FIRST)} {rng.choice(EN_LAST)}"


def lookalike(rng: random.Random) -> str:
    """Numbers that are not personal data and must survive redaction."""
    choices = [
        f"订单号{rng.randint(10**17, 10**18 - 1)}",
        f"order {rng.randint(10**15, 10**16 - 1)}",
        f"金额{rng.randint(100, 99999)}.{rng.randint(0, 99):02d}元",
        f"2024-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
        f"12{rng.randint(100000000, 999999999)}",  # 12x is not a mobile segment
        f"1{rng.randint(3, 9)}{rng.randint(10**7, 10**8 - 1)}",  # 10 digits: too short
        f"LN{rng.randint(10**11, 10**12 - 1)}",
        f"利率{rng.randint(3, 24)}.{rng.randint(0, 99)}%",
    ]
    return rng.choice(choices)


class _Builder:
    def __init__(self) -> None:
        self.text = ""
        self.spans: list[tuple[int, int, str]] = []
        self.invalid: list[str] = []

    def add(self, piece: str, entity: str | None = None) -> None:
        if entity is not None:
            self.spans.append((len(self.text), len(self.text) + len(piece), entity))
        self.text += piece


def generate(n: int = 240, seed: int = 11643) -> list[Sample]:
    """`n` labelled strings, half Chinese, half English, each mixing data and look-alikes."""
    rng = random.Random(seed)
    samples: list[Sample] = []
    for i in range(n):
        b = _Builder()
        chinese = i % 2 == 0
        kind = i % 6
        if chinese:
            b.add(rng.choice(["您好，", "客户来电：", "备注："]))
            if kind in (0, 3):
                b.add("客户")
                b.add(cn_name(rng), "PERSON")
                b.add("，")
            b.add("身份证号")
            if kind == 2:
                bad = make_id(rng, valid=False)
                b.invalid.append(bad)
                b.add(bad)
            else:
                b.add(make_id(rng), "CN_RESIDENT_ID")
            b.add("，手机")
            b.add(make_mobile(rng, i // 6), "CN_MOBILE")
            b.add("，还款卡")
            if kind == 4:
                b.add(make_card(rng, valid=False))
            else:
                b.add(make_card(rng, spaced=kind == 5), "BANK_CARD")
            b.add("，" + lookalike(rng) + "。")
            if kind == 1:
                b.add("邮箱")
                b.add(make_email(rng), "EMAIL")
        else:
            if kind in (0, 3):
                b.add(rng.choice(["Mr. ", "Ms. ", "Dr. "]))
                b.add(en_name(rng), "PERSON")
                b.add(" says ")
            b.add("ID ")
            if kind == 2:
                bad = make_id(rng, valid=False)
                b.invalid.append(bad)
                b.add(bad)
            else:
                b.add(make_id(rng), "CN_RESIDENT_ID")
            b.add(", mobile ")
            b.add(make_mobile(rng, i // 6), "CN_MOBILE")
            b.add(", card ")
            if kind == 4:
                b.add(make_card(rng, valid=False, spaced=True))
            else:
                b.add(make_card(rng, spaced=kind == 5), "BANK_CARD")
            b.add("; ref " + lookalike(rng) + ".")
            if kind == 1:
                b.add(" Email: ")
                b.add(make_email(rng), "EMAIL")
        samples.append(Sample(b.text, tuple(b.spans), tuple(b.invalid)))
    return samples

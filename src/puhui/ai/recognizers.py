"""Presidio recognizers for Chinese and English personal data, on a blank spaCy pipeline.

Presidio's default engine loads (and, if missing, downloads) a large spaCy model at start-up.
Everything here is a regular expression followed by a checksum or cue, so a blank pipeline
(`spacy.blank("zh")` / `spacy.blank("en")`) is all the tokenizer it needs: nothing downloads.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from presidio_analyzer import AnalyzerEngine, LocalRecognizer, RecognizerRegistry, RecognizerResult
from presidio_analyzer.nlp_engine import SpacyNlpEngine

from puhui.ai import pii

LANGUAGES = ("zh", "en")

RESIDENT_ID = "CN_RESIDENT_ID"
MOBILE = "CN_MOBILE"
BANK_CARD = "BANK_CARD"
EMAIL = "EMAIL"
PERSON = "PERSON"
ENTITIES = (RESIDENT_ID, MOBILE, BANK_CARD, EMAIL, PERSON)

# Digits, Latin letters and full-width digits may not touch a number on either side.
_NB = r"(?<![0-9A-Za-z０-９])"
_NA = r"(?![0-9A-Za-z０-９])"

_ID_RE = re.compile(
    _NB + r"([1-8]\d{5} ?(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])\d{2} ?\d{3}[0-9Xx])" + _NA
)
_MOBILE_RE = re.compile(
    r"(?<![0-9A-Za-z+])((?:(?:\+|00)?86[\s-]?)?1[3-9]\d[\s-]?\d{4}[\s-]?\d{4})" + _NA
)
_CARD_RE = re.compile(_NB + r"(\d(?:[ -]?\d){12,18})" + _NA)
_EMAIL_RE = re.compile(r"([A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,})")

# Common Chinese surnames (the few hundred most frequent), single and compound.
_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏"
    "魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵"
    "万钱严覃武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘"
    "祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟"
    "艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞"
    "姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝"
)
_COMPOUND = "欧阳|司马|上官|诸葛|东方|皇甫|尉迟|公孙|慕容|长孙|宇文|司徒|夏侯|令狐"
# A given-name character is a Han character that is not a common particle or verb.
_NOT_GIVEN = "的了在是说已要来还借贷申请和与及于也都就将被把对向从到给让等今昨经为有没"
_HONORIFICS = "先生|女士|小姐|阿姨|师傅|老师|经理"
_GIVEN = rf"(?:(?!{_HONORIFICS})(?![{_NOT_GIVEN}])[\u4e00-\u9fff])"
# Words that follow a cue like 客户 but are not names, though they start with a surname character.
_NOT_NAMES = "余额|信息|资料|服务|经理|关系|管理|安全|方便|明细|单号|尤其|全部|全额|代表|成功"
_CN_NAME = rf"(?!{_NOT_NAMES})(?:{_COMPOUND}|[{_SURNAMES}]){_GIVEN}{{1,2}}"
_CN_CUES = r"姓名|户名|客户|借款人|联系人|持卡人|收款人|申请人|本人|我叫|我是|名叫|叫做"
_CN_CUE_RE = re.compile(rf"(?:{_CN_CUES})[:：\s]*({_CN_NAME})")
_CN_HONORIFIC_RE = re.compile(rf"((?:{_COMPOUND}|[{_SURNAMES}]){_GIVEN}{{0,2}}?)(?:{_HONORIFICS})")
_EN_WORD = r"(?:[A-Z]'[A-Z][a-z]+|(?:Mc|Mac)?[A-Z][a-z]+(?:-[A-Z][a-z]+)?)"
_EN_NOT_NAMES = r"(?!(?:Sir|Madam|Customer|Customers|Team|All|Valued|Colleagues)\b)"
_EN_NAME = rf"{_EN_NOT_NAMES}{_EN_WORD}(?: {_EN_WORD}){{0,2}}"
_EN_CUE_RE = re.compile(
    rf"(?:\b(?:Mr|Mrs|Ms|Miss|Dr|Prof)\.? |\b[Mm]y name is |\bName: ?|\bDear |"
    rf"\b(?:borrower|customer|applicant|cardholder|contact) )({_EN_NAME})"
)

Validator = Callable[[str], bool]


class ValidatedRegexRecognizer(LocalRecognizer):
    """Group 1 of a regular expression is a candidate; a validator (a checksum) decides."""

    def __init__(
        self,
        entity: str,
        patterns: tuple[re.Pattern[str], ...],
        validator: Validator | None,
        language: str,
        score: float = 1.0,
    ) -> None:
        self._patterns = patterns
        self._validator = validator
        self._score = score
        super().__init__(
            supported_entities=[entity],
            name=f"puhui_{entity.lower()}_{language}",
            supported_language=language,
        )

    def load(self) -> None:
        """Nothing to load: the knowledge is in the expressions and validators."""

    def analyze(self, text: str, entities: list[str], nlp_artifacts: Any) -> list[RecognizerResult]:
        entity = self.supported_entities[0]
        if entities and entity not in entities:
            return []
        results: list[RecognizerResult] = []
        seen: set[tuple[int, int]] = set()
        for pattern in self._patterns:
            for match in pattern.finditer(text):
                span = match.span(1)
                if span in seen or span[0] == span[1]:
                    continue
                if self._validator is not None and not self._validator(match.group(1)):
                    continue
                seen.add(span)
                results.append(RecognizerResult(entity, span[0], span[1], self._score))
        return results


def _valid_id(candidate: str) -> bool:
    return pii.is_valid_resident_id(candidate.replace(" ", ""))


def recognizers_for(language: str) -> list[LocalRecognizer]:
    """Our recognizers, one instance per language (Presidio registers them per language)."""
    return [
        ValidatedRegexRecognizer(RESIDENT_ID, (_ID_RE,), _valid_id, language),
        ValidatedRegexRecognizer(MOBILE, (_MOBILE_RE,), pii.is_valid_mobile, language),
        ValidatedRegexRecognizer(BANK_CARD, (_CARD_RE,), pii.is_valid_bank_card, language),
        ValidatedRegexRecognizer(EMAIL, (_EMAIL_RE,), None, language),
        ValidatedRegexRecognizer(
            PERSON, (_CN_CUE_RE, _CN_HONORIFIC_RE, _EN_CUE_RE), None, language, score=0.85
        ),
    ]


class BlankSpacyNlpEngine(SpacyNlpEngine):
    """spaCy tokenizers only (`spacy.blank`), so Presidio never looks for a model to download."""

    def __init__(self, languages: tuple[str, ...] = LANGUAGES) -> None:
        super().__init__(models=[{"lang_code": lang, "model_name": "blank"} for lang in languages])
        self._languages = languages

    def load(self) -> None:
        import spacy

        self.nlp = {lang: spacy.blank(lang) for lang in self._languages}  # type: ignore[assignment]


@lru_cache(maxsize=1)
def analyzer() -> AnalyzerEngine:
    """The process-wide analyzer: blank pipelines plus our recognizers, nothing else."""
    registry = RecognizerRegistry(supported_languages=list(LANGUAGES))
    for language in LANGUAGES:
        for recognizer in recognizers_for(language):
            registry.add_recognizer(recognizer)
    return AnalyzerEngine(
        registry=registry,
        nlp_engine=BlankSpacyNlpEngine(),
        supported_languages=list(LANGUAGES),
    )

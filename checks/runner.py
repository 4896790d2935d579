"""The engine's dispatcher: one spec to one Outcome, or a whole checklist to its outcomes.

File checks (kind FILE in checks.registry) share one pass over the tree in checks.scan; the
others run one by one, the slow ones in parallel threads while the tree is scanned. A
checker that raises never takes the run down: its check becomes `error` with the reason.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from concurrent.futures import Future, ThreadPoolExecutor

from checks import registry
from checks.checktype import Kind
from checks.messages import gettext_noop, message
from checks.scan import run_file_checks
from checks.spec import Checklist, CheckSpec, Outcome, RunContext
from checks.tree import Tree
from checks.worktree import WorkingTree

logger = logging.getLogger(__name__)

NOT_EVALUABLE = gettext_noop("not evaluable on history")


def not_evaluable() -> Outcome:
    """The outcome of a check that a past revision cannot evaluate (an http check at last
    year's commit): `error`, so that it lowers coverage like any check without evidence;
    `details["not_evaluable"]` tells it apart from a checker that failed."""
    return Outcome.error(message(NOT_EVALUABLE), not_evaluable=True)


def _failure(exc: BaseException) -> Outcome:
    reason = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    return Outcome.error(message(gettext_noop("checker failed: %(reason)s"), reason=reason))


def reads_repository(spec: CheckSpec, ctx: RunContext) -> bool:
    """Whether running `spec` in `ctx` reads the repository's files (so that a worker must
    fetch the project's source before it runs it)."""
    check_type = registry.find(spec.type)
    if check_type is None or check_type.kind is Kind.FILE:
        return check_type is not None
    return check_type.reads_repository(check_type.typed(spec.options), ctx)


def run_check(spec: CheckSpec, ctx: RunContext) -> Outcome:
    """Run one check that is not a file check, timing it. Any exception becomes an `error`
    outcome ("checker failed: ...")."""
    started = time.perf_counter()
    check_type = registry.find(spec.type)
    if check_type is None or check_type.run is None:
        outcome = Outcome.error(
            message(gettext_noop("check type %(type)s is not run on its own"), type=repr(spec.type))
        )
    else:
        try:
            outcome = check_type.run(spec, check_type.typed(spec.options), ctx)
        except Exception as exc:
            logger.exception("checker for %s (%s) failed", spec.key, spec.type)
            outcome = _failure(exc)
    return dataclasses.replace(outcome, duration_ms=(time.perf_counter() - started) * 1000)


def _file_outcomes(
    specs: list[CheckSpec], ctx: RunContext, tree: Tree | None
) -> dict[str, Outcome]:
    try:
        if tree is None:
            tree = WorkingTree(ctx.repo)
        found = dict(
            run_file_checks(
                specs,
                tree,
                max_file_bytes=ctx.max_file_bytes,
                pattern_seconds=ctx.pattern_seconds,
            )
        )
    except Exception as exc:
        logger.exception("file scan failed")
        return {spec.key: _failure(exc) for spec in specs}
    missing = Outcome.error(
        message(gettext_noop("checker failed: the file scan returned no outcome for this check"))
    )
    return {spec.key: found.get(spec.key, missing) for spec in specs}


def run_checklist(
    checklist: Checklist,
    ctx: RunContext,
    *,
    tree: Tree | None = None,
    only_types: frozenset[str] | None = None,
    max_workers: int = 16,
) -> dict[str, Outcome]:
    """Run every check of `checklist`; outcomes keyed by check key, in checklist order.

    `tree` is what file checks read (a checks.tree Tree; default: the working tree at
    `ctx.repo`). With `only_types`, checks of other types are not evaluable, an `error`
    that lowers coverage (e.g. an http check when re-assessing a past revision)."""
    specs = list(checklist.all_checks())
    outcomes: dict[str, Outcome] = {}
    file_specs: list[CheckSpec] = []
    slow_specs: list[CheckSpec] = []
    other_specs: list[CheckSpec] = []
    for spec in specs:
        check_type = registry.find(spec.type)
        kind = check_type.kind if check_type is not None else None
        if only_types is not None and spec.type not in only_types:
            outcomes[spec.key] = not_evaluable()
        elif kind is Kind.FILE:
            file_specs.append(spec)
        elif kind is Kind.SLOW:
            slow_specs.append(spec)
        else:
            other_specs.append(spec)

    futures: dict[str, Future[Outcome]] = {}
    with ThreadPoolExecutor(max_workers=max(1, min(max_workers, len(slow_specs) or 1))) as pool:
        for spec in slow_specs:
            futures[spec.key] = pool.submit(run_check, spec, ctx)
        # The tree is scanned here while the slow checks wait on processes and sockets.
        if file_specs:
            outcomes.update(_file_outcomes(file_specs, ctx, tree))
        for spec in other_specs:
            outcomes[spec.key] = run_check(spec, ctx)
        for key, future in futures.items():
            outcomes[key] = future.result()
    return {spec.key: outcomes[spec.key] for spec in specs}

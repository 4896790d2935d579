"""Which starter checklists fit a repository, and the checklist they make, fitted to its layout.

`STARTERS` is the table: each starter file of `checklists/`, whether it describes a service
(one per checklist) or a piece of infrastructure added beside it (Dockerfile, GitHub
Actions, Kubernetes, Terraform), and the marker files that show it applies (`manage.py`
that mentions django, a `go.mod`, a workflow ...). A marker's folder, or a parent of it, is
where that stack lives: `sos/` for `sos/manage.py`, `apps/` for
`apps/functions/package.json`. A starter whose file is missing from the folder is left out.

`fit` picks the service starter (the first of the table that fits, or the one named),
adds the infrastructure starters whose files belong to that service (not inside another
service's folder) as extra categories, one per starter, and places every glob of their
file checks: under the stack's folder when a file matches there, else in a parent folder
(a repository-wide CI, a root lock file), trying the nearest first. A check none of whose
globs matches anywhere stays as the starter has it, and is reported; so is a command path
that is not found. Nothing here runs a check; the caller dry-runs the result.
"""

from __future__ import annotations

import dataclasses
import posixpath
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from checks.checklist import load_checklist_file
from checks.messages import gettext_noop
from checks.paths import PathIndex
from checks.registry import FILE_CHECK_TYPES
from checks.spec import CategorySpec, Checklist, CheckSpec
from checks.tree import Tree, TreeError
from checks.worktree import WorkingTree

SERVICE = "service"
INFRA = "infra"
# Bytes of a marker file read to look for its content pattern.
_MARKER_BYTES = 256 * 1024
# Marker files read per starter for their content, shallowest first, so that detection
# stays bounded on a huge repository (every YAML file may be a Kubernetes manifest); the
# files left unread are counted in the detection and reported.
MAX_MARKER_READS = 1_000


@dataclass(frozen=True)
class Marker:
    """Files that show a stack: `glob`, holding `content` (a regex) when given; the stack
    lives `up` folders above the file's own folder."""

    glob: str
    content: str | None = None
    up: int = 0


@dataclass(frozen=True)
class Starter:
    name: str  # the file's stem in checklists/
    kind: str  # SERVICE or INFRA
    title: str  # what it is, for people: "Django service" (translated where shown)
    markers: tuple[Marker, ...]


_DJANGO_SETTINGS = r"(?m)^\s*(?:INSTALLED_APPS|ROOT_URLCONF|MIDDLEWARE)\s*[=+]"
# A requirement line, or an item of a one-line list (`dependencies = ["fastapi>=0.114"]`).
_PY_WEB = r"(?im)(?:^|[\[,])\s*[\"']?(fastapi|flask|starlette|quart|litestar)\b"
# A package of a lock file (poetry.lock, uv.lock).
_PY_WEB_LOCKED = r'(?im)^name = "(fastapi|flask|starlette|quart|litestar)"'
# Maven and Gradle coordinates, or a Gradle version catalog's alias (`libs.plugins.spring.boot`).
_SPRING = r"spring[-.]boot|org\.springframework\.boot"
_K8S_KIND = r"(?m)^kind:\s*(Deployment|StatefulSet|DaemonSet|CronJob|Job|Pod|Service|Ingress)\b"

# Service starters first, most specific first: the first that fits is the checklist's base.
STARTERS: tuple[Starter, ...] = (
    Starter(
        "django-service",
        SERVICE,
        gettext_noop("Django service"),
        (
            Marker("**/manage.py", "(?i)django"),
            Marker("**/settings.py", _DJANGO_SETTINGS, up=1),
            Marker("**/settings/*.py", _DJANGO_SETTINGS, up=2),
            Marker("**/wsgi.py", "(?i)django", up=1),
            Marker("**/asgi.py", "(?i)django", up=1),
        ),
    ),
    Starter(
        "node-firebase-functions",
        SERVICE,
        gettext_noop("Firebase project with Cloud Functions"),
        (
            Marker("**/firebase.json"),
            Marker("**/extension.yaml"),
            Marker("**/functions/package.json", '"firebase-functions"', up=1),
            Marker("**/functions/index.js", "firebase-functions", up=1),
            Marker("**/functions/src/index.ts", "firebase-functions", up=2),
            Marker("**/firestore.rules"),
            Marker("**/storage.rules"),
            Marker("**/database.rules.json"),
        ),
    ),
    Starter(
        "spring-boot-service",
        SERVICE,
        gettext_noop("Spring Boot service"),
        (
            Marker("**/pom.xml", _SPRING),
            Marker("**/build.gradle", _SPRING),
            Marker("**/build.gradle.kts", _SPRING),
        ),
    ),
    Starter(
        "go-service", SERVICE, gettext_noop("Go service"), (Marker("**/go.mod", r"(?m)^module\s"),)
    ),
    Starter(
        "python-web-service",
        SERVICE,
        gettext_noop("FastAPI or Flask service"),
        (
            Marker("**/requirements*.txt", _PY_WEB),
            Marker("**/requirements/*.txt", _PY_WEB, up=1),
            Marker("**/pyproject.toml", _PY_WEB),
            Marker("**/Pipfile", _PY_WEB),
            Marker("**/poetry.lock", _PY_WEB_LOCKED),
            Marker("**/uv.lock", _PY_WEB_LOCKED),
        ),
    ),
    Starter(
        "node-express-service",
        SERVICE,
        gettext_noop("Node.js HTTP service (Express, Fastify, Koa, NestJS)"),
        (Marker("**/package.json", r'"(?:express|fastify|koa|@nestjs/core|@hapi/hapi)"\s*:'),),
    ),
    Starter(
        "dockerfile",
        INFRA,
        gettext_noop("Dockerfile"),
        (
            Marker("**/Dockerfile"),
            Marker("**/Dockerfile.*"),
            Marker("**/*.Dockerfile"),
            Marker("**/Containerfile"),
        ),
    ),
    Starter(
        "github-actions",
        INFRA,
        gettext_noop("GitHub Actions"),
        (Marker(".github/workflows/*.yml", up=2), Marker(".github/workflows/*.yaml", up=2)),
    ),
    Starter(
        "kubernetes",
        INFRA,
        gettext_noop("Kubernetes manifests and Helm charts"),
        (
            Marker("**/Chart.yaml"),
            Marker("**/*.yaml", _K8S_KIND),
            Marker("**/*.yml", _K8S_KIND),
        ),
    ),
    Starter(
        "terraform",
        INFRA,
        gettext_noop("Terraform"),
        (
            Marker("**/*.tf"),
            Marker("**/terragrunt.hcl"),
            # Terragrunt's root configuration: its folder holds every environment's.
            Marker("**/root.hcl", r"(?m)^\s*remote_state\s*\{"),
        ),
    ),
)


class FitError(ValueError):
    """The repository or the starter cannot be used; the message says which and why."""


@dataclass(frozen=True)
class Detection:
    """One starter that fits: the folders where its stack lives (repository-relative,
    "" for the root) and the marker files that show it (a few)."""

    starter: Starter
    roots: tuple[str, ...]
    files: tuple[str, ...]
    # Candidate marker files not read once MAX_MARKER_READS was reached: their folders may
    # hold more of this stack.
    unread: int = 0

    @property
    def root(self) -> str:
        """The one folder the starter is fitted to: the common parent of its roots."""
        return common_folder(self.roots)


@dataclass(frozen=True)
class Placement:
    """What became of one check: `where` is the folder its globs (or its command's paths)
    were placed in ("" the root); None when it could not be placed and stays as the starter
    has it: no file matches its globs, or its command's paths in `missing` are nowhere."""

    check: str
    starter: str
    where: str | None
    missing: tuple[str, ...] = ()


@dataclass
class Fit:
    """The fitted checklist and the story of how it was made."""

    checklist: Checklist
    main: Detection
    extras: list[Detection] = field(default_factory=list)
    # Service starters that also fit, not used (another part of a monorepo).
    others: list[Detection] = field(default_factory=list)
    placements: list[Placement] = field(default_factory=list)
    # (starter, old key, new key) of checks renamed to keep keys unique.
    renamed: list[tuple[str, str, str]] = field(default_factory=list)
    # Infrastructure starters whose levels differ from the checklist's (their checks then
    # belong to the lowest level).
    levels_dropped: list[str] = field(default_factory=list)

    @property
    def not_placed(self) -> list[Placement]:
        return [p for p in self.placements if p.where is None]


def available(folder: Path) -> list[Starter]:
    """The starters of the table whose file exists in `folder`."""
    return [s for s in STARTERS if (folder / f"{s.name}.yml").is_file()]


def common_folder(folders: Iterable[str]) -> str:
    """The deepest folder that holds all of `folders` ("" for the root)."""
    parts = [f.split("/") if f else [] for f in folders]
    if not parts:
        return ""
    common: list[str] = []
    for names in zip(*parts, strict=False):
        if len(set(names)) != 1:
            break
        common.append(names[0])
    return "/".join(common)


def _within(path: str, folder: str) -> bool:
    return not folder or path == folder or path.startswith(folder + "/")


def _parents(folder: str) -> list[str]:
    """`folder` and each folder above it, nearest first, the root ("") last."""
    chain = [folder]
    while folder:
        folder = posixpath.dirname(folder)
        chain.append(folder)
    return chain


class _Files:
    """The repository's files as a check sees them (git-ignored and dependency folders
    left out), with the contents of marker files read on demand. `tree`: another tree
    than the working tree at `repo` (a git revision, read without a checkout)."""

    def __init__(self, repo: Path, tree: Tree | None = None) -> None:
        try:
            self.tree = tree if tree is not None else WorkingTree(repo)
            self.entries = {entry.path: entry for entry in self.tree.files()}
        except (TreeError, OSError) as error:
            raise FitError(f"{repo}: {error}") from None
        self.index = PathIndex(self.entries)

    def select(self, glob: str) -> list[str]:
        return self.index.select(glob)

    def exists(self, path: str) -> bool:
        """Whether `path` (relative) is a file or folder of the repository: on disk for a
        working tree (an ignored `.venv/` counts, as a command would find it), else in
        the tree's files."""
        if isinstance(self.tree, WorkingTree):
            return (self.tree.root / path).exists()
        return bool(self.index.select(posixpath.normpath(path)))

    def text(self, path: str) -> str:
        try:
            data = self.tree.read(self.entries[path], limit=_MARKER_BYTES)
        except (TreeError, OSError):
            return ""
        return data.decode("utf-8", errors="replace")


def detect(
    repo: Path, starters: Sequence[Starter], *, limit: int = MAX_MARKER_READS
) -> list[Detection]:
    """Every starter of `starters` that fits `repo`, in the table's order; at most `limit`
    marker files read per starter."""
    files = _Files(repo)
    return _detect(files, starters, limit=limit)


def _depth_first(path: str) -> tuple[int, str]:
    return path.count("/"), path


def _detect(
    files: _Files, starters: Sequence[Starter], *, limit: int = MAX_MARKER_READS
) -> list[Detection]:
    found = []
    for starter in starters:
        roots: set[str] = set()
        shown: list[str] = []
        reads = unread = 0
        for marker in starter.markers:
            pattern = re.compile(marker.content) if marker.content else None
            paths = files.select(marker.glob)
            if pattern is not None:
                paths = sorted(paths, key=_depth_first)
            for path in paths:
                if pattern is not None:
                    if reads == limit:
                        unread += 1
                        continue
                    reads += 1
                    if not pattern.search(files.text(path)):
                        continue
                folder = posixpath.dirname(path)
                for _ in range(marker.up):
                    folder = posixpath.dirname(folder)
                roots.add(folder)
                shown.append(path)
        if roots:
            found.append(Detection(starter, tuple(sorted(roots)), tuple(sorted(shown)[:5]), unread))
    return found


def fit(
    repo: Path,
    folder: Path,
    *,
    starter: str | None = None,
    extras: bool = True,
    tree: Tree | None = None,
    limit: int = MAX_MARKER_READS,
) -> Fit:
    """The checklist for `repo`: the named service starter, or the first of the table that
    fits, plus (with `extras`) the infrastructure starters that fit, each placed in its
    layout. `folder` holds the starter files. `tree`: the files to read instead of the
    working tree at `repo` (a git revision of a clone, `repo` then names it in messages);
    `limit`: marker files read per starter. Raises FitError naming what is wrong: no such
    folder, an unknown starter, nothing that fits."""
    if tree is None and not repo.is_dir():
        raise FitError(f"{repo}: no such folder")
    table = available(folder)
    by_name = {s.name: s for s in table}
    if starter is not None and starter not in by_name:
        others = sorted(p.stem for p in folder.glob("*.yml") if p.stem not in by_name)
        if (folder / f"{starter}.yml").is_file():
            by_name[starter] = Starter(starter, SERVICE, starter, ())
        else:
            names = ", ".join(sorted({*by_name, *others}))
            raise FitError(f"--starter {starter}: no such starter (one of: {names})")
    files = _Files(repo, tree)
    detections = _detect(files, table, limit=limit)
    services = [d for d in detections if d.starter.kind == SERVICE]
    if starter is not None:
        chosen = by_name[starter]
        main = next(
            (d for d in detections if d.starter.name == starter),
            Detection(chosen, ("",), ()),
        )
    elif services:
        main = services[0]
    elif detections:
        main = detections[0]
    else:
        names = ", ".join(s.name for s in table)
        raise FitError(
            f"{repo}: no starter fits (none of their marker files is there); "
            f"name one with --starter ({names})"
        )
    others = [d for d in services if d.starter.name != main.starter.name]
    foreign = [root for d in others for root in d.roots if not _within(main.root, root)]
    added: list[Detection] = []
    if extras:
        for detection in detections:
            if detection.starter.kind != INFRA or detection.starter.name == main.starter.name:
                continue
            own = _belonging(detection, main.root, foreign)
            if own is not None:
                added.append(own)
    result = Fit(checklist=_load(folder, main.starter.name), main=main, others=others)
    base = _placed(result, files, result.checklist, main.starter.name, main.root)
    categories = list(base.categories)
    keys = {check.key for check in base.all_checks()}
    category_keys = {category.key for category in categories}
    for detection in added:
        other = _placed(
            result,
            files,
            _load(folder, detection.starter.name),
            detection.starter.name,
            detection.root,
        )
        categories.append(
            _as_category(result, other, detection.starter, base.levels, keys, category_keys)
        )
    result.extras = added
    result.checklist = dataclasses.replace(base, categories=tuple(categories))
    return result


def _load(folder: Path, name: str) -> Checklist:
    checklist, _text = load_checklist_file(folder / f"{name}.yml")
    return checklist


def _belonging(detection: Detection, root: str, foreign: list[str]) -> Detection | None:
    """`detection` narrowed to its roots that are not inside another service's folder
    (unless they are inside the main one's too); None when none is left."""
    mine = tuple(
        r
        for r in detection.roots
        if _within(r, root) or not any(_within(r, other) for other in foreign)
    )
    if not mine:
        return None
    files = tuple(f for f in detection.files if any(_within(posixpath.dirname(f), r) for r in mine))
    return Detection(detection.starter, mine, files, detection.unread)


def _placed(result: Fit, files: _Files, checklist: Checklist, name: str, root: str) -> Checklist:
    """`checklist` with the globs of its file checks placed for a stack at `root`, and its
    commands' relative paths found under `root`; each check's placement is recorded."""
    categories = []
    for category in checklist.categories:
        checks = []
        for check in category.checks:
            if check.type == "file" and check.options.get("expect") == "absent":
                # A file that must not exist is placed where the stack is, found or not.
                options, _where = _place_options(files, check.options, root)
                fallback = {
                    k: [_under(root, g) for g in v] if k == "paths" else v
                    for k, v in check.options.items()
                }
                result.placements.append(Placement(check.key, name, root))
                check = dataclasses.replace(check, options=options if _where else fallback)
            elif check.type in FILE_CHECK_TYPES:
                options, where = _place_options(files, check.options, root)
                if where is None:
                    result.placements.append(Placement(check.key, name, None))
                else:
                    result.placements.append(Placement(check.key, name, where))
                    check = dataclasses.replace(check, options=options)
            elif check.type == "command" and root:
                check = _place_command(result, files, check, name, root)
            checks.append(check)
        categories.append(dataclasses.replace(category, checks=tuple(checks)))
    return dataclasses.replace(checklist, categories=tuple(categories))


def _place_options(
    files: _Files, options: Mapping[str, Any], root: str
) -> tuple[dict[str, Any], str | None]:
    """The options with each `paths` list placed (see _place_globs); the folder of the
    first placed glob, or None when no glob of any list matches a file."""
    placed: dict[str, Any] = {}
    where: str | None = None
    for name, value in options.items():
        if name == "paths" and isinstance(value, list | tuple):
            globs, found = _place_globs(files, [str(glob) for glob in value], root)
            placed[name] = globs
            where = where if where is not None else found
        elif name == "sources" and isinstance(value, list | tuple):
            sources = []
            for source in value:
                if isinstance(source, Mapping):
                    inner, found = _place_options(files, source, root)
                    where = where if where is not None else found
                    sources.append(inner if found is not None else dict(source))
                else:
                    sources.append(source)
            placed[name] = sources
        else:
            placed[name] = value
    return placed, where


def _place_globs(files: _Files, globs: list[str], root: str) -> tuple[list[str], str | None]:
    """Each glob at the nearest of `root` and its parents where it matches a file
    (`**/x` in a parent means `x` there: a parent's other folders are other stacks'); the
    globs that match nowhere go under `root` beside them. None: no glob matches anywhere,
    and the globs stay as they are."""
    placed: list[str | None] = []
    first: str | None = None
    for glob in globs:
        spot = None
        for folder in _parents(root):
            candidate = _under(folder, glob if folder == root else _anchored(glob))
            if files.select(candidate):
                spot = candidate
                first = folder if first is None else first
                break
        placed.append(spot)
    if first is None:
        return list(globs), None
    return [spot or _under(root, glob) for spot, glob in zip(placed, globs, strict=True)], first


def _anchored(glob: str) -> str:
    return glob[3:] if glob.startswith("**/") else glob


def _under(folder: str, glob: str) -> str:
    return f"{folder}/{glob.lstrip('/')}" if folder else glob


def _place_command(result: Fit, files: _Files, check: CheckSpec, name: str, root: str) -> CheckSpec:
    """A command runs at the repository's root: its relative paths that exist only under
    `root` are rewritten there; one found nowhere is reported."""
    argv = list(check.options.get("argv") or [])
    moved, missing = [], []
    for index, arg in enumerate(argv):
        if not _path_like(arg) or files.exists(arg):
            continue
        if files.exists(f"{root}/{arg}"):
            argv[index] = f"{root}/{arg}"
            moved.append(arg)
        else:
            missing.append(arg)
    if missing:
        result.placements.append(Placement(check.key, name, None, tuple(missing)))
    elif moved:
        result.placements.append(Placement(check.key, name, root))
    if moved:
        return dataclasses.replace(check, options={**check.options, "argv": argv})
    return check


def _path_like(arg: object) -> bool:
    return (
        isinstance(arg, str)
        and not arg.startswith(("-", "/"))
        and ("/" in arg or bool(re.search(r"\.(py|js|ts|json|toml|ya?ml)$", arg)))
    )


def _as_category(
    result: Fit,
    checklist: Checklist,
    starter: Starter,
    levels: tuple[str, ...],
    keys: set[str],
    category_keys: set[str],
) -> CategorySpec:
    """An infrastructure starter as one category of the checklist, keyed by its name; its
    check keys stay unless the checklist has them already (then `<starter>-<key>`)."""
    key = starter.name
    while key in category_keys:
        key = f"{key}-extra"
    category_keys.add(key)
    keep_levels = checklist.levels == levels
    if checklist.levels and not keep_levels:
        result.levels_dropped.append(starter.name)
    checks = []
    for check in checklist.all_checks():
        new_key = check.key
        if new_key in keys:
            new_key = f"{starter.name}-{check.key}"
            result.renamed.append((starter.name, check.key, new_key))
            for placement in result.placements:
                if placement.starter == starter.name and placement.check == check.key:
                    result.placements[result.placements.index(placement)] = dataclasses.replace(
                        placement, check=new_key
                    )
        keys.add(new_key)
        checks.append(
            dataclasses.replace(
                check, key=new_key, category=key, level=check.level if keep_levels else None
            )
        )
    return CategorySpec(key=key, name=starter.title, weight=1.0, checks=tuple(checks))

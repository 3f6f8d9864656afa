"""Where `faqbot eval` gets its answerers: the built index, a FAQ set built on the side, or every
set of the quality suite (faqbot.evaluation.suite), each built as a site of its own."""

from __future__ import annotations

import shutil
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from tqdm import tqdm

from faqbot.answering.answerer import Answerer
from faqbot.embedding.embedder import Embedder, load_embedder
from faqbot.embedding.query_encoder import load_query_encoder
from faqbot.errors import DataError
from faqbot.evaluation.dialogues import DialogueTurn, Played, load_dialogues, play, play_rewrites
from faqbot.evaluation.metrics import Report, evaluate, label
from faqbot.evaluation.questions import load_questions
from faqbot.evaluation.stackfaq import convert
from faqbot.evaluation.suite import SuiteResult, load_suite, materialise, scratch
from faqbot.index.build import build_index
from faqbot.index.report import BuildReport
from faqbot.index.store import CACHE, LoadedIndex, load_index
from faqbot.settings import Settings
from faqbot.text import counted

EVAL_INDEXES = "eval"
OWNERS_SET = "eval/site.yaml"  # under the data directory: a site owner's own questions (`faqbot check`)


def _evaluate(answerer: Answerer, questions_file: Path, progress: bool) -> Report:
    questions = load_questions(questions_file)
    foreign = _written_for_other_content(answerer, {q.expect for q in questions if q.expect is not None})
    if foreign:
        raise DataError(
            questions_file,
            f"{foreign}. Write questions about this site in {OWNERS_SET} under the data directory (`faqbot check` "
            "runs them) or name a set with --set",
        )
    # A bar only on a terminal: in a log or a pipe it is a line of control characters per update.
    with tqdm(
        total=len(questions), desc="questions", disable=not (progress and sys.stderr.isatty()), leave=False
    ) as bar:
        return evaluate(answerer, questions, progress=bar.update)


def _written_for_other_content(answerer: Answerer, expected: set[str]) -> str | None:
    """Why the set cannot be scored on this index, when fewer than half of the sources it expects are
    in it: the figures would be near 0 and read as the bot's failure, for a set written for other
    content (the launch article's, once a site has its own). Not "none found": every article has an
    "introduction", which such sets expect too. A set with a few stale labels is scored, and they are listed."""
    found = expected & {label(doc) for doc in answerer.index.docs}
    if expected and len(found) * 2 < len(expected):
        missing = sorted(expected - found)
        named = ", ".join(missing[:5]) + (", ..." if len(missing) > 5 else "")
        return (
            f"{len(missing)} of the {len(expected)} sources it expects are not in the index ({named}): "
            "written for other content"
        )
    return None


def _answerer(settings: Settings, index: LoadedIndex, embedder_factory: Callable[[str], Embedder]) -> Answerer:
    """An answerer encoding questions as the server would (the index's chosen encoder)."""
    encoder = load_query_encoder(settings, index.directory, index.manifest.encoder, torch_factory=embedder_factory)
    return Answerer(index, encoder, threshold=settings.threshold, contact=settings.contact_url)


def evaluate_index(
    settings: Settings, *, progress: bool = False, embedder_factory: Callable[[str], Embedder] = load_embedder
) -> Report:
    """The evaluation set against the index `faqbot build` made."""
    index = load_index(settings.index_dir, model=settings.model)
    return _evaluate(_answerer(settings, index, embedder_factory), settings.eval_set, progress)


def owners_set(settings: Settings) -> Path:
    """Where `faqbot check` looks for the site owner's own evaluation file (`--set` names another)."""
    return settings.data_dir / OWNERS_SET


def evaluate_site(
    settings: Settings,
    questions_file: Path,
    *,
    progress: bool = False,
    embedder_factory: Callable[[str], Embedder] | None = None,
) -> tuple[BuildReport, Report]:
    """The owner's evaluation file against their site's index, built first when the data changed (as
    `faqbot build` would; an index that is up to date is used as it is)."""
    factory = embedder_factory or load_embedder
    load_questions(questions_file)  # a malformed file is refused before anything is built
    built = build_index(settings, embedder_factory=factory, progress=progress)
    index = load_index(settings.index_dir, model=settings.model)
    return built, _evaluate(_answerer(settings, index, factory), questions_file, progress)


def evaluate_external(
    settings: Settings,
    faq_file: Path,
    queries_file: Path,
    *,
    progress: bool = False,
    embedder_factory: Callable[[str], Embedder] = load_embedder,
) -> Report:
    """A FAQ file of its own, imported and built like any site's FAQ, then its queries."""
    if not faq_file.is_file():
        raise DataError(faq_file, "no such FAQ file")
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp) / "data"
        (data_dir / "faq").mkdir(parents=True)
        shutil.copy(faq_file, data_dir / "faq" / faq_file.name)
        # Kept under the index directory so a rerun reuses the embedding cache.
        eval_settings = settings.model_copy(
            update={"data_dir": data_dir, "index_dir": settings.index_dir / EVAL_INDEXES / faq_file.stem}
        )
        build_index(eval_settings, embedder_factory=embedder_factory, progress=progress)
    index = load_index(eval_settings.index_dir, model=settings.model)
    return _evaluate(_answerer(settings, index, embedder_factory), queries_file, progress)


def evaluate_stackfaq(
    settings: Settings, *, progress: bool = False, embedder_factory: Callable[[str], Embedder] = load_embedder
) -> Report:
    source = settings.benchmarks_dir / "stackfaq" / "stackExchange-FAQ.json"
    if not source.is_file():
        raise DataError(source, "StackFAQ is not here: 'make benchmarks' brings it in (FAQBOT_BENCHMARKS_DIR: where)")
    with tempfile.TemporaryDirectory() as tmp:
        faq_file, queries_file = Path(tmp) / "stackfaq.json", Path(tmp) / "stackfaq-queries.yaml"
        convert(source, faq_file, queries_file)
        return evaluate_external(settings, faq_file, queries_file, progress=progress, embedder_factory=embedder_factory)


def _shared(factory: Callable[[str], Embedder]) -> Callable[[str], Embedder]:
    """One model for every build of a run (it takes seconds to load)."""
    loaded: dict[str, Embedder] = {}

    def get(model: str) -> Embedder:
        if model not in loaded:
            loaded[model] = factory(model)
        return loaded[model]

    return get


def evaluate_suite(
    settings: Settings,
    *,
    only: list[str] | None = None,
    progress: bool = False,
    embedder_factory: Callable[[str], Embedder] = load_embedder,
) -> SuiteResult:
    """Every set of the suite (or those named in `only`), each built and evaluated on its own."""
    sets = [s for s in load_suite(settings.eval_suite) if only is None or s.name in only]
    if only is not None and len(sets) != len(set(only)):
        known = ", ".join(s.name for s in load_suite(settings.eval_suite))
        raise DataError(
            settings.eval_suite, f"no set named {', '.join(sorted(set(only) - {s.name for s in sets}))}; known: {known}"
        )
    factory = _shared(embedder_factory)
    result = SuiteResult({}, {s.name: s for s in sets}, {})
    with scratch() as tmp:
        for eval_set in sets:
            found = materialise(eval_set, settings.benchmarks_dir, Path(tmp))
            if isinstance(found, str):
                result.skipped[eval_set.name] = found
                continue
            data_dir, questions = found
            answerer = _set_answerer(settings, eval_set.name, data_dir, factory, progress)
            expected = {q.expect for q in load_questions(questions) if q.expect is not None}
            foreign = _written_for_other_content(answerer, expected)
            if foreign:  # the launch set reads data/, which a site owner has filled with their own site
                result.skipped[eval_set.name] = f"{foreign} ({data_dir})"
                continue
            if progress:
                print(f"{eval_set.name}: evaluating", flush=True)
            result.reports[eval_set.name] = _evaluate(answerer, questions, progress)
    return result


def _set_answerer(
    settings: Settings, name: str, data_dir: Path, factory: Callable[[str], Embedder], progress: bool
) -> Answerer:
    """A suite set's content built as a site of its own (under the index directory, so a rerun reuses
    its embedding cache and the shared encoder exports), and its answerer."""
    index_dir = settings.index_dir / EVAL_INDEXES / name
    _share_encoder_exports(settings.index_dir, index_dir)
    eval_settings = settings.model_copy(update={"data_dir": data_dir, "index_dir": index_dir})
    build_index(eval_settings, embedder_factory=factory, progress=progress)
    return _answerer(settings, load_index(index_dir, model=settings.model), factory)


def _share_encoder_exports(main: Path, index_dir: Path) -> None:
    """Every suite set's build uses one cache of ONNX exports: an export takes a minute."""
    shared = main / EVAL_INDEXES / "encoders"
    link = index_dir / CACHE / "encoders"
    shared.mkdir(parents=True, exist_ok=True)
    if not link.is_symlink():
        link.parent.mkdir(parents=True, exist_ok=True)
        if link.exists():
            shutil.rmtree(link)
        link.symlink_to(shared.resolve())


def evaluate_dialogues(
    settings: Settings,
    *,
    embedder_factory: Callable[[str], Embedder] = load_embedder,
    progress: bool = False,
    dialogues: Path | None = None,
) -> dict[str, Played]:
    """Every dialogue set of the suite (a set's `dialogues`), each played on its set's content with
    history, with history ignored (the baseline) and with the questions alone, by set name. With
    `dialogues` (a file in the same format), that file alone, on the index `faqbot build` made."""
    factory = _shared(embedder_factory)
    if dialogues is not None:
        conversations = load_dialogues(dialogues)
        answerer = _answerer(settings, load_index(settings.index_dir, model=settings.model), factory)
        foreign = _written_for_other_content(answerer, _expected(conversations))
        if foreign:
            raise DataError(dialogues, f"{foreign}: play a dialogue file written for this site")
        _say_stale(dialogues.name, answerer, conversations)
        return {dialogues.name: _play_three_ways(answerer, conversations)}
    played = {}
    for eval_set in load_suite(settings.eval_suite):
        if eval_set.dialogues is None or eval_set.data is None:
            continue
        conversations = load_dialogues(eval_set.dialogues)
        answerer = _set_answerer(settings, eval_set.name, eval_set.data, factory, progress)
        foreign = _written_for_other_content(answerer, _expected(conversations))
        if foreign:  # the launch set on a site owner's data/: said, not scored as the bot's failure
            print(f"{eval_set.name}: skipped: {foreign} ({eval_set.data})", file=sys.stderr, flush=True)
            continue
        _say_stale(eval_set.name, answerer, conversations)
        played[eval_set.name] = _play_three_ways(answerer, conversations)
    if not played:
        raise DataError(settings.eval_suite, "no set of the suite has 'dialogues' written for its content")
    return played


def _say_stale(name: str, answerer: Answerer, conversations: dict[str, list[DialogueTurn]]) -> None:
    """Name the turns that expect a source the index does not have (a typo, a section since renamed):
    they are scored as the bot's failure, and the set needs mending, not the bot."""
    labels = {label(doc) for doc in answerer.index.docs}
    stale = [
        f"  [{conversation}] {turn.q!r} expects {turn.expect!r}"
        for conversation, turns in conversations.items()
        for turn in turns
        if turn.expect is not None and turn.expect not in labels
    ]
    if stale:
        expect = "expects" if len(stale) == 1 else "expect"
        print(
            f"{name}: {counted(len(stale), 'turn')} {expect} a source the index does not have (scored as wrong):",
            file=sys.stderr,
        )
        print("\n".join(stale), file=sys.stderr, flush=True)


def _expected(conversations: dict[str, list[DialogueTurn]]) -> set[str]:
    return {turn.expect for turns in conversations.values() for turn in turns if turn.expect is not None}


def _play_three_ways(answerer: Answerer, conversations: dict[str, list[DialogueTurn]]) -> Played:
    return Played(
        play(answerer, conversations),
        play(answerer, conversations, history="none"),
        play(answerer, conversations, history="questions"),
        play_rewrites(answerer, conversations),
    )

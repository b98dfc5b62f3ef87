"""Read the sources in worker processes, on every core, while Pelican builds; write
the articles' pages on two cores (share_writes, at the end of this module).

Reading is most of a cold build (Markdown, the tiers split, typography, word
counts: about 70 % of it on 1,000 long articles), and each file is read on its
own: Pelican's reader is a pure function of the file and the settings. So when
the articles and pages generators are made (`generator_init`), the files they
will read and that the reader cache does not already hold are handed out, in
chunks, to a pool of forked processes; each worker runs the very reader
instance Pelican would run (the same plugin wrappers, the same settings) and
sends back `(content, metadata)` with the log records the read produced.
When Pelican then asks its reader for a file, the worker's result is served
(waiting for it if needed) and its records are logged again in this process,
so build.py's collector sees every warning and error as if read here. A file
nobody prefetched is read here, as before; Pelican's reader cache stores the
result either way.

BUILD_PROCESSES: 0 (default) uses as many processes as the machine has cores,
and only when there are enough files to repay starting them; 1 reads
serially; 2 or more always use the pool (the identity test forces it on a
small site).
"""

from __future__ import annotations

import logging
import multiprocessing
import os
from concurrent.futures import Future, ProcessPoolExecutor

from pelican.generators import ArticlesGenerator, PagesGenerator
from pelican.utils import file_suffix

log = logging.getLogger(__name__)

MIN_FILES = 48  # below this, forking the workers costs more than it saves (automatic mode)
CHUNK = 16  # files a task: the settings a result refers to are pickled once per chunk

# Worker side: the readers of the generator that forked the pool (inherited by fork).
_worker_readers = None


def logged_text(record: logging.LogRecord) -> str:
    """What a log record says, its exception included."""
    try:
        message = record.getMessage()
    except Exception:  # a plugin's malformed log call must not hide the rest
        message = str(record.msg)
    if record.exc_info and record.exc_info[1] is not None:
        message = f"{message}\u00a0: {record.exc_info[1]}"
    return message


class _Capture(logging.Handler):
    def __init__(self):
        super().__init__(logging.DEBUG)
        self.records: list[tuple[str, int, str]] = []

    def emit(self, record):
        self.records.append((record.name, record.levelno, logged_text(record)))


def die_with_parent() -> None:
    """In a forked helper process: be killed when the process that forked it ends,
    however it ends (livereload stopped by a signal in the middle of a build), rather
    than wait forever on a pipe whose other end it inherited itself. Linux only."""
    try:
        import ctypes
        import signal

        ctypes.CDLL(None, use_errno=True).prctl(1, int(signal.SIGKILL))  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _start_worker():
    """Records go back to the parent with the results, not to inherited handlers."""
    die_with_parent()
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)


def _read_chunk(paths: list[str]) -> list[tuple[str, object, object, list]]:
    from pelican.readers import _filter_discardable_metadata

    root = logging.getLogger()
    results = []
    for path in paths:
        capture = _Capture()
        root.addHandler(capture)
        try:
            reader = _worker_readers.readers[file_suffix(path)]
            content, metadata = reader.read(path)
            metadata = _filter_discardable_metadata(metadata)
        finally:
            root.removeHandler(capture)
        results.append((path, content, metadata, capture.records))
    return results


class _Prefetched:
    """Serves a reader's prefetched results, in place of its `read`."""

    def __init__(self, read, futures: dict[str, Future]):
        self.read, self.futures = read, futures

    def __call__(self, source_path):
        future = self.futures.pop(os.path.abspath(source_path), None)
        if future is None:
            return self.read(source_path)
        for path, content, metadata, records in future.result():
            if path == os.path.abspath(source_path):
                for name, level, message in records:
                    logging.getLogger(name).log(level, "%s", message)
                return content, metadata
        return self.read(source_path)  # not reached: a chunk holds its own paths


def can_fork() -> bool:
    """Worker processes are forked (they inherit the readers as they are), and a
    daemonic process, such as a multiprocessing worker running a build, may have none."""
    return "fork" in multiprocessing.get_all_start_methods() and not multiprocessing.current_process().daemon


def _processes(settings: dict, files: int) -> int:
    wanted = settings.get("BUILD_PROCESSES", 0)
    if wanted == 1 or not can_fork():
        return 1
    if wanted:
        return wanted
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return cores if files >= MIN_FILES else 1


def prefetch(generator):
    """generator_init: hand the files this generator will read out to worker processes."""
    global _worker_readers
    if isinstance(generator, ArticlesGenerator):
        paths, exclude = generator.settings["ARTICLE_PATHS"], generator.settings["ARTICLE_EXCLUDES"]
    elif isinstance(generator, PagesGenerator):
        paths, exclude = generator.settings["PAGE_PATHS"], generator.settings["PAGE_EXCLUDES"]
    else:
        return
    settings = generator.settings
    if settings.get("CACHE_CONTENT") and settings.get("CONTENT_CACHING_LAYER") == "generator":
        return  # whole content objects come from the generator's cache: nothing to read ahead
    readers = generator.readers
    todo: dict[str, list[str]] = {}
    for name in generator.get_files(paths, exclude=exclude):
        path = os.path.abspath(os.path.join(generator.path, name))
        fmt = file_suffix(path)
        if fmt not in readers.readers:
            continue
        content, _ = readers.get_cached_data(path, (None, None))
        if content is None:
            todo.setdefault(fmt, []).append(path)
    count = sum(len(v) for v in todo.values())
    processes = _processes(settings, count)
    if processes < 2 or not count:
        return
    _worker_readers = readers  # inherited by the forked workers
    pool = ProcessPoolExecutor(max_workers=min(processes, count),
                               mp_context=multiprocessing.get_context("fork"), initializer=_start_worker)
    by_reader: dict[int, dict[str, Future]] = {}
    for fmt, files in todo.items():
        for start in range(0, len(files), CHUNK):
            chunk = files[start:start + CHUNK]
            future = pool.submit(_read_chunk, chunk)  # the first submit forks every worker
            by_reader.setdefault(id(readers.readers[fmt]), {}).update({p: future for p in chunk})
    _worker_readers = None
    for reader in {id(r): r for r in readers.readers.values()}.values():
        mine = by_reader.get(id(reader))
        if mine:
            reader.read = _Prefetched(reader.read, mine)
    # The workers exit once their queue is empty; the results stay with their futures.
    pool.shutdown(wait=False)


# Writing the articles' pages on two cores ------------------------------------
# After reading, rendering the article pages is most of what is left (about 2 s
# of the 1,000 long articles), one page at a time in this process while the other
# core only has the audit's scanning to do. So generate_articles is shared with
# one forked process: it renders every other article with the very generator,
# writer and templates (inherited by fork), and sends back what this process
# must know of its pages: the files written, the incremental writer's
# fingerprints, its log records. Here, Pelican's content_written is then sent
# for each of its files (the sitemap and the audit hear of them as if written
# here). The pages are the same bytes: nothing a page shows depends on the
# order they are written in (tests/test_build_identity.py).

MIN_PAGES = 64  # below this, the fork costs more than it saves (automatic mode)


def article_items(generator) -> list:
    from itertools import chain

    return list(chain(generator.translations, generator.articles, generator.hidden_translations,
                      generator.hidden_articles))


def write_article(generator, write, article) -> None:
    """What ArticlesGenerator.generate_articles (generate_drafts for a draft) writes for
    one article (shared with livereload's quick path)."""
    extra = {"all_articles": generator.articles} if article.status == "draft" else {}
    write(article.save_as, generator.get_template(article.template), generator.context, article=article,
          category=getattr(article, "category", None), override_output=hasattr(article, "override_save_as"),
          url=article.url, blog=True, **extra)


def _write_items(generator, write, items) -> None:
    for article in items:
        write_article(generator, write, article)


def _child_writes(generator, write, items: list, indexes: list[int], connection) -> None:
    """In the forked process: write these items, report, and leave without cleanup."""
    import pickle

    from pelican import signals

    status = 1
    try:
        die_with_parent()
        _start_worker()  # records go back with the report
        capture = _Capture()
        logging.getLogger().addHandler(capture)
        written: list[tuple[str, int]] = []
        current = {"index": None}
        signals.content_written.receivers.clear()  # told to the parent, which sends them there
        signals.content_written.connect(lambda path, context=None: written.append((path, current["index"])),
                                        weak=False)
        writer = getattr(write, "func", write).__self__
        before = set(writer._written_files)
        reused = getattr(writer, "reused", 0)
        for index in indexes:
            current["index"] = index
            _write_items(generator, write, [items[index]])
        names = {items[i].save_as for i in indexes}
        report = {"written": written, "files": sorted(set(writer._written_files) - before),
                  "new": {k: v for k, v in getattr(writer, "new", {}).items() if k in names},
                  "reused": getattr(writer, "reused", 0) - reused, "records": capture.records, "error": None}
        status = 0
    except BaseException as error:  # raised again by the parent, which fails the build
        report = {"error": error, "records": []}
    try:
        try:
            data = pickle.dumps(report)
        except Exception:  # an exception that does not pickle: its words
            data = pickle.dumps(dict(report, error=RuntimeError(f"{type(report['error']).__name__}: "
                                                                f"{report['error']}")))
        connection.send_bytes(data)
    finally:
        os._exit(status)


def share_writes(generator) -> None:
    """generator_init: the articles generator's pages written by two processes."""
    if not isinstance(generator, ArticlesGenerator) or generator.settings.get("RELATIVE_URLS"):
        return  # relative addresses: Pelican's writer leaves the last page's in the shared context
    original = generator.generate_articles

    def generate_articles(write):
        from pelican import signals

        items = article_items(generator)
        wanted = generator.settings.get("BUILD_PROCESSES", 0)
        if _processes(generator.settings, len(items)) < 2 or (not wanted and len(items) < MIN_PAGES):
            return original(write)
        for article in items:  # as generate_articles does, before any page is written
            signals.article_generator_write_article.send(generator, content=article)
        theirs = list(range(1, len(items), 2))
        reader, sender = multiprocessing.get_context("fork").Pipe(duplex=False)
        pid = os.fork()
        if pid == 0:
            reader.close()
            _child_writes(generator, write, items, theirs, sender)
        sender.close()
        try:
            _write_items(generator, write, items[0::2])
            report = _received(reader)
        finally:
            reader.close()
            os.waitpid(pid, 0)
        for name, level, message in report["records"]:
            logging.getLogger(name).log(level, "%s", message)
        if report["error"] is not None:
            raise report["error"]  # as if this process had rendered the page
        writer = getattr(write, "func", write).__self__
        twice = set(report["files"]) & writer._written_files
        if twice:
            raise RuntimeError(f"deux pages écriraient {sorted(twice)[0]}")
        writer._written_files.update(report["files"])
        if hasattr(writer, "new"):
            writer.new.update(report["new"])
            writer.reused += report["reused"]
        for path, index in report["written"]:
            item = items[index]
            context = dict(generator.context, output_file=item.save_as, article=item,
                           category=getattr(item, "category", None), url=item.url, blog=True)
            signals.content_written.send(path, context=context)

    generator.generate_articles = generate_articles


def _received(reader) -> dict:
    import pickle

    try:
        return pickle.loads(reader.recv_bytes())
    except EOFError:
        return {"error": RuntimeError("le processus qui écrivait la moitié des articles s’est arrêté"), "records": []}

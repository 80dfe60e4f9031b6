#!/usr/bin/env python3
"""promptreg beside MLflow's prompt registry, measured in one run.

Run by scripts/bench-mlflow.sh with the Python of a virtual environment that has `mlflow`
installed (.build/mlflow-venv); it never runs with the system Python's packages.

In a temporary directory it makes:
  - an MLflow prompt registry on a sqlite store (`sqlite:///TMP/mlflow.db`, tracking and
    registry, no server): the prompt `support-agent` (the example bundle's two chat messages
    and its model settings) in two versions, the second with one sentence reworded;
  - a promptreg registry (`promptreg init`) with registry/support-agent published as
    1.0.0 and the same one-sentence rewording published as a patch version.

Then it runs interleaved rounds: every round measures each figure once, in an order that
rotates by one each round, so every ratio compares samples taken under the same load:
  - MLflow, warm (calls in this process, time.perf_counter_ns): `set_prompt_alias` of `prod`
    to the other version; `load_prompt("prompts:/support-agent@prod", cache_ttl_seconds=0)`
    (read from the store, as promptreg's resolve reads its state); and, for context, the same
    load with MLflow's default alias cache (60 s TTL);
  - MLflow, fresh: `python -c` importing mlflow and doing the one call, spawn to exit;
  - promptreg, fresh: `promote support-agent@1.0.X prod -m bench` to the other version and
    `resolve support-agent --json` (the prod channel), spawn to exit;
  - references: `true` and `python -c pass` as processes, and the disk's fsync cost (4 KiB
    written to a new file in the same temporary directory, then fsync: 200 samples spread
    over the rounds).
Every move goes to the other version, so each is a real move, and every load and resolve is
checked to return the version the last move set (the cached MLflow load is counted, not
checked: it may be stale by design).

It replaces (or appends) the section "## Beside MLflow's prompt registry" of --out.
Standard library only, plus mlflow itself.
"""

import argparse
import datetime
import json
import math
import os
import platform
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time

HEADING = "## Beside MLflow's prompt registry"
PROMPT = "support-agent"
ALIAS = "prod"
OLD_SENTENCE = "Be brief, specific and kind."
NEW_SENTENCE = "Be brief, specific and courteous."
FSYNC_SAMPLES = 200

# What a fresh MLflow process runs: the import and one call, each timed from inside so the
# report can split the process's time. argv: name, alias, version (move) or nothing (load).
FRESH_MOVE = (
    "import sys, time\n"
    "t0 = time.perf_counter_ns()\n"
    "import mlflow\n"
    "t1 = time.perf_counter_ns()\n"
    "mlflow.genai.set_prompt_alias(name=sys.argv[1], alias=sys.argv[2], version=int(sys.argv[3]))\n"
    "t2 = time.perf_counter_ns()\n"
    "print(t1 - t0, t2 - t1)\n"
)
FRESH_LOAD = (
    "import sys, time\n"
    "t0 = time.perf_counter_ns()\n"
    "import mlflow\n"
    "t1 = time.perf_counter_ns()\n"
    "p = mlflow.genai.load_prompt(sys.argv[1])\n"
    "t2 = time.perf_counter_ns()\n"
    "print(t1 - t0, t2 - t1, p.version)\n"
)


class BenchError(Exception):
    pass


def percentile95(samples):
    """Nearest rank, as promptreg-bench computes it."""
    ordered = sorted(samples)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, math.ceil(len(ordered) * 0.95) - 1)]


def ms(value):
    """Milliseconds as the other sections print them."""
    if value != value:  # NaN
        return "-"
    if value >= 1000:
        return f"{value:,.0f} ms"
    if value >= 100:
        return f"{value:.0f} ms"
    if value >= 1:
        return f"{value:.2f} ms"
    return f"{value:.3f} ms"


def ratio(a, b):
    if not (a == a and b == b) or b == 0:
        return "-"
    r = a / b
    if r >= 10:
        return f"{r:.1f}x"
    if r >= 0.1:
        return f"{r:.2f}x"
    return f"{r:.2g}x" if r >= 0.001 else f"{r:.1e}x"


def machine():
    cpu = "unknown CPU"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    cores = os.cpu_count() or 0
    try:
        memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") >> 30
    except (ValueError, OSError):
        memory = 0
    return f"{cpu}, {cores} cores, {memory} GiB, {platform.system()} {platform.release()}"


def load1():
    try:
        return f"{os.getloadavg()[0]:.2f}"
    except OSError:
        return "-"


def run(argv, env=None, check=True):
    """Runs a process to its end; returns (milliseconds from spawn to exit, stdout, stderr)."""
    start = time.perf_counter_ns()
    done = subprocess.run(argv, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, timeout=300)
    elapsed = (time.perf_counter_ns() - start) / 1e6
    if check and done.returncode != 0:
        raise BenchError(f"{' '.join(argv[:6])} ... exited {done.returncode}:\n"
                         f"{done.stderr.decode(errors='replace')[-2000:]}")
    return elapsed, done.stdout.decode(errors="replace"), done.stderr.decode(errors="replace")


def fsync_probe(folder):
    """4 KiB to a new file, then fsync it (as promptreg-bench's probe): milliseconds."""
    path = os.path.join(folder, "fsync-probe")
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
    data = b"a" * 4096
    start = time.perf_counter_ns()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        if os.write(fd, data) != len(data):
            raise BenchError("short write in the fsync probe")
        os.fsync(fd)
    finally:
        os.close(fd)
    return (time.perf_counter_ns() - start) / 1e6


class Bench:
    def __init__(self, args, tmp):
        self.args = args
        self.tmp = tmp
        self.python = sys.executable
        self.promptreg = os.path.abspath(args.promptreg)
        self.root = os.path.abspath(args.root)
        self.samples = {}
        self.parts = {}  # fresh MLflow processes: time spent in `import mlflow` and in the call
        self.fsync = []
        self.cached_stale = 0
        self.cached_count = 0
        self.recording = False

        db = os.path.join(tmp, "mlflow.db")
        self.store_uri = "sqlite:///" + db
        self.db = db
        env = dict(os.environ)
        env.update({
            "MLFLOW_TRACKING_URI": self.store_uri,
            "MLFLOW_REGISTRY_URI": self.store_uri,
            # MLflow 3 sends usage telemetry unless told not to: nothing leaves this machine.
            "MLFLOW_DISABLE_TELEMETRY": "true",
            "DO_NOT_TRACK": "true",
            "PYTHONWARNINGS": "ignore",
        })
        self.mlflow_env = env
        self.registry = os.path.join(tmp, "promptreg")
        self.pr_env = dict(os.environ)
        self.pr_env.pop("PROMPTREG_REGISTRY", None)

    def add(self, key, value):
        if self.recording:
            self.samples.setdefault(key, []).append(value)

    def add_part(self, key, value):
        if self.recording:
            self.parts.setdefault(key, []).append(value)

    # --- setup -----------------------------------------------------------------------------

    def pr(self, *arguments, write=False):
        argv = [self.promptreg, "--registry", self.registry]
        if write:
            argv += ["--actor", "bench"]
        return argv + list(arguments)

    def setup_promptreg(self):
        source = os.path.join(self.root, "registry", PROMPT)
        if not os.path.isfile(os.path.join(source, "bundle.yaml")):
            raise BenchError(f"{source}/bundle.yaml not found (run from the promptreg checkout or pass --root)")
        run([self.promptreg, "init", self.registry, "--actor", "bench"], env=self.pr_env)
        _, out, _ = run(self.pr("publish", source, "-m", "bench: first version", "--json", write=True), env=self.pr_env)
        self.v_old = json.loads(out)["version"]
        second = os.path.join(self.tmp, PROMPT + "-second")
        shutil.copytree(source, second)
        system = os.path.join(second, "prompts", "system.mustache")
        with open(system, encoding="utf-8") as f:
            text = f.read()
        text = text.replace(OLD_SENTENCE, NEW_SENTENCE) if OLD_SENTENCE in text else text + "Be courteous.\n"
        with open(system, "w", encoding="utf-8") as f:
            f.write(text)
        _, out, _ = run(self.pr("publish", second, "-m", "bench: reworded", "--bump", "patch", "--json", write=True),
                        env=self.pr_env)
        self.v_new = json.loads(out)["version"]
        run(self.pr("promote", f"{PROMPT}@{self.v_old}", ALIAS, "-m", "bench", write=True), env=self.pr_env)
        self.pr_current = self.v_old
        _, out, _ = run([self.promptreg, "--version"], env=self.pr_env)
        self.pr_version = out.strip()

    def setup_mlflow(self):
        os.environ.update({k: v for k, v in self.mlflow_env.items() if k not in ("PYTHONWARNINGS",)})
        import warnings
        warnings.simplefilter("ignore")
        start = time.perf_counter_ns()
        import mlflow  # noqa: E402  (imported here: the environment above must be set first)
        self.import_ms = (time.perf_counter_ns() - start) / 1e6
        import sqlalchemy
        self.mlflow = mlflow
        self.mlflow_version = mlflow.__version__
        self.sqlalchemy_version = sqlalchemy.__version__
        mlflow.set_tracking_uri(self.store_uri)
        mlflow.set_registry_uri(self.store_uri)

        source = os.path.join(self.root, "registry", PROMPT)
        with open(os.path.join(source, "prompts", "system.mustache"), encoding="utf-8") as f:
            system = f.read()
        with open(os.path.join(source, "prompts", "user.mustache"), encoding="utf-8") as f:
            user = f.read()
        model_config = {"provider": "openai", "model_name": "gpt-4o-2024-08-06",
                        "temperature": 0.3, "top_p": 0.9, "max_tokens": 1024}
        reworded = system.replace(OLD_SENTENCE, NEW_SENTENCE) if OLD_SENTENCE in system else system + "Be courteous.\n"
        start = time.perf_counter_ns()
        first = mlflow.genai.register_prompt(
            name=PROMPT, commit_message="bench: first version", model_config=model_config,
            template=[{"role": "system", "content": system}, {"role": "user", "content": user}])
        self.create_ms = (time.perf_counter_ns() - start) / 1e6
        second = mlflow.genai.register_prompt(
            name=PROMPT, commit_message="bench: reworded", model_config=model_config,
            template=[{"role": "system", "content": reworded}, {"role": "user", "content": user}])
        self.ml_old, self.ml_new = int(first.version), int(second.version)
        mlflow.genai.set_prompt_alias(name=PROMPT, alias=ALIAS, version=self.ml_old)
        self.ml_current = self.ml_old
        # sqlite's durability settings as MLflow's connections get them (it sets neither).
        with sqlite3.connect(self.db) as connection:
            self.journal_mode = connection.execute("PRAGMA journal_mode").fetchone()[0]
            self.synchronous = {0: "off", 1: "normal", 2: "full", 3: "extra"}.get(
                connection.execute("PRAGMA synchronous").fetchone()[0], "?")

    # --- figures ---------------------------------------------------------------------------

    def ml_other(self):
        return self.ml_new if self.ml_current == self.ml_old else self.ml_old

    def pr_other(self):
        return self.v_new if self.pr_current == self.v_old else self.v_old

    def ml_warm_move(self):
        target = self.ml_other()
        start = time.perf_counter_ns()
        self.mlflow.genai.set_prompt_alias(name=PROMPT, alias=ALIAS, version=target)
        self.add("ml_warm_move", (time.perf_counter_ns() - start) / 1e6)
        self.ml_current = target

    def ml_warm_load(self):
        start = time.perf_counter_ns()
        prompt = self.mlflow.genai.load_prompt(f"prompts:/{PROMPT}@{ALIAS}", cache_ttl_seconds=0)
        self.add("ml_warm_load", (time.perf_counter_ns() - start) / 1e6)
        if int(prompt.version) != self.ml_current:
            raise BenchError(f"MLflow load_prompt returned version {prompt.version}, expected {self.ml_current}")

    def ml_warm_cached(self):
        uri = f"prompts:/{PROMPT}@{ALIAS}"
        self.mlflow.genai.load_prompt(uri)  # fills the cache if it holds nothing for the alias
        start = time.perf_counter_ns()
        prompt = self.mlflow.genai.load_prompt(uri)
        self.add("ml_warm_cached", (time.perf_counter_ns() - start) / 1e6)
        if self.recording:
            self.cached_count += 1
            if int(prompt.version) != self.ml_current:
                self.cached_stale += 1

    def ml_fresh_move(self):
        target = self.ml_other()
        elapsed, out, _ = run([self.python, "-c", FRESH_MOVE, PROMPT, ALIAS, str(target)], env=self.mlflow_env)
        self.ml_current = target
        self.add("ml_fresh_move", elapsed)
        imported, call = (int(x) / 1e6 for x in out.split()[:2])
        self.add_part("ml_fresh_move_import", imported)
        self.add_part("ml_fresh_move_call", call)

    def ml_fresh_load(self):
        elapsed, out, _ = run([self.python, "-c", FRESH_LOAD, f"prompts:/{PROMPT}@{ALIAS}"], env=self.mlflow_env)
        self.add("ml_fresh_load", elapsed)
        fields = out.split()
        if int(fields[2]) != self.ml_current:
            raise BenchError(f"a fresh MLflow load returned version {fields[2]}, expected {self.ml_current}")
        self.add_part("ml_fresh_load_import", int(fields[0]) / 1e6)
        self.add_part("ml_fresh_load_call", int(fields[1]) / 1e6)

    def pr_fresh_move(self):
        target = self.pr_other()
        elapsed, _, _ = run(self.pr("promote", f"{PROMPT}@{target}", ALIAS, "-m", "bench", write=True), env=self.pr_env)
        self.pr_current = target
        self.add("pr_fresh_move", elapsed)

    def pr_fresh_resolve(self):
        elapsed, out, _ = run(self.pr("resolve", PROMPT, "--json"), env=self.pr_env)
        self.add("pr_fresh_resolve", elapsed)
        version = json.loads(out).get("version")
        if version != self.pr_current:
            raise BenchError(f"promptreg resolve returned {version}, expected {self.pr_current}")

    def ref_true(self):
        self.add("ref_true", run(["true"])[0])

    def ref_python(self):
        self.add("ref_python", run([self.python, "-c", "pass"], env=self.mlflow_env)[0])

    # --- fsync calls per operation (strace, when it works here) -------------------------------

    def count_syncs(self):
        strace = shutil.which("strace")
        self.sync_counts = None
        if not strace:
            return
        out = os.path.join(self.tmp, "strace.txt")

        def counted(argv, env):
            base = [strace, "-f", "-c", "-o", out, "-e", "trace=fsync,fdatasync,sync_file_range"]
            for prefix in (base[:1] + ["--seccomp-bpf"] + base[1:], base):
                try:
                    done = subprocess.run(prefix + argv, env=env, stdin=subprocess.DEVNULL,
                                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=300)
                except subprocess.TimeoutExpired:
                    return None
                if done.returncode == 0:
                    break
            else:
                return None
            total = 0
            with open(out, encoding="utf-8") as f:
                for line in f:
                    fields = line.split()
                    if fields and fields[-1] in ("fsync", "fdatasync", "sync_file_range"):
                        # columns: % time, seconds, usecs/call, calls, [errors], syscall
                        total += int(fields[3])
            return total

        if subprocess.run([strace, "-f", "-c", "-o", "/dev/null", "-e", "trace=fsync", "true"],
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode != 0:
            return
        target = self.ml_other()
        ml = counted([self.python, "-c", FRESH_MOVE, PROMPT, ALIAS, str(target)], self.mlflow_env)
        if ml is not None:
            self.ml_current = target
        target = self.pr_other()
        pr = counted(self.pr("promote", f"{PROMPT}@{target}", ALIAS, "-m", "bench", write=True), self.pr_env)
        if pr is not None:
            self.pr_current = target
        if ml is not None and pr is not None:
            self.sync_counts = (ml, pr)

    # --- the run ---------------------------------------------------------------------------

    def main(self):
        started = time.monotonic()
        self.load_before = load1()
        self.setup_mlflow()
        self.setup_promptreg()
        self.setup_s = time.monotonic() - started

        figures = [self.ml_warm_move, self.ml_warm_load, self.ml_warm_cached, self.ml_fresh_move,
                   self.ml_fresh_load, self.pr_fresh_move, self.pr_fresh_resolve, self.ref_true,
                   self.ref_python]
        rounds = self.args.rounds
        per_round = math.ceil(FSYNC_SAMPLES / max(rounds, 1))
        rounds_started = time.monotonic()
        self.rounds_done = 0
        self.stopped_early = False
        for index in range(-self.args.warmup, rounds):
            self.recording = index >= 0
            shift = index % len(figures)
            for figure in figures[shift:] + figures[:shift]:
                figure()
            if self.recording:
                for _ in range(min(per_round, FSYNC_SAMPLES - len(self.fsync))):
                    self.fsync.append(fsync_probe(self.tmp))
                self.rounds_done += 1
                if self.args.budget and time.monotonic() - rounds_started > self.args.budget and index + 1 < rounds:
                    self.stopped_early = True
                    break
            sys.stderr.write(f"bench-mlflow: round {index + 1}/{rounds} done ({time.monotonic() - started:.0f} s)\n")
        while len(self.fsync) < FSYNC_SAMPLES:
            self.fsync.append(fsync_probe(self.tmp))
        self.rounds_s = time.monotonic() - rounds_started
        self.recording = False
        self.count_syncs()
        self.load_after = load1()
        self.total_s = time.monotonic() - started
        return self.report()

    # --- the report ------------------------------------------------------------------------

    def med(self, key, source=None):
        values = (source or self.samples).get(key, [])
        return statistics.median(values) if values else float("nan")

    def p95(self, key):
        return percentile95(self.samples.get(key, []))

    def report(self):
        med, p95 = self.med, self.p95
        alias = f'"prompts:/{PROMPT}@{ALIAS}"'
        pr_name = os.path.relpath(self.promptreg, self.root) if self.promptreg.startswith(self.root + os.sep) else self.promptreg
        rows = [
            ("MLflow, warm: `mlflow.genai.set_prompt_alias(name, \"prod\", version)`", "ml_warm_move"),
            ("MLflow, fresh: `python -c` importing mlflow + the same call", "ml_fresh_move"),
            (f"promptreg, fresh: `promptreg promote {PROMPT}@VERSION prod -m bench`", "pr_fresh_move"),
            (f"MLflow, warm: `mlflow.genai.load_prompt({alias}, cache_ttl_seconds=0)`", "ml_warm_load"),
            (f"MLflow, fresh: `python -c` importing mlflow + `load_prompt({alias})`", "ml_fresh_load"),
            (f"promptreg, fresh: `promptreg resolve {PROMPT} --json` (prod)", "pr_fresh_resolve"),
            (f"MLflow, warm: `load_prompt({alias})` from its in-process alias cache (default 60 s TTL)", "ml_warm_cached"),
            ("`true` as a process (spawn and wait)", "ref_true"),
            ("`python -c pass` (the venv's interpreter, no import)", "ref_python"),
        ]
        rounds_line = f"{self.rounds_done} measured after {self.args.warmup} warm-up"
        if self.stopped_early:
            rounds_line += f" ({self.args.rounds} asked; stopped at the {self.args.budget:.0f} s time budget)"
        parts = self.parts
        lines = [
            HEADING,
            "",
            "Written by `scripts/bench-mlflow.sh` (`bench/mlflow_side_by_side.py`): MLflow's prompt registry "
            "and promptreg doing the same two things, a move of the `prod` pointer and a load through it, "
            "in one run on one machine.",
            "",
            f"- date: {datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%dT%H:%M:%SZ')}",
            f"- machine: {machine()}",
            f"- MLflow {self.mlflow_version} (`mlflow` from PyPI in `.build/mlflow-venv`), Python "
            f"{platform.python_version()}, SQLAlchemy {self.sqlalchemy_version}, sqlite {sqlite3.sqlite_version}; "
            f"store `sqlite:///TMP/mlflow.db` for tracking and registry, no server; sqlite journal_mode={self.journal_mode}, "
            f"synchronous={self.synchronous} (sqlite's defaults: MLflow sets neither); MLflow's telemetry off "
            "(`MLFLOW_DISABLE_TELEMETRY`); prompt `support-agent`: the example bundle's system and user "
            "templates as a chat prompt with its model settings, version 2 rewording one sentence",
            f"- promptreg: `{pr_name}` (`--version`: {self.pr_version}); a registry made with `promptreg init` in the "
            f"same temporary directory; `registry/support-agent` published as {self.v_old} and, with the same sentence "
            f"reworded, as {self.v_new} (`--bump patch`)",
            f"- rounds: {rounds_line}, interleaved: each round runs every figure once, in an order rotated by one each "
            "round, so every ratio compares samples taken under the same load. Every move goes to the other version "
            f"(MLflow 1 <-> 2, promptreg {self.v_old} <-> {self.v_new}), so each is a real move; every load and resolve "
            "but the cached one is checked to return the version the last move set. Processes: spawn to exit, output "
            "captured, exit status checked; warm calls: `time.perf_counter_ns` around the call",
            f"- fsync cost: writing 4 KiB to a new file in the same temporary directory and fsyncing it: median "
            f"{ms(statistics.median(self.fsync))}, p95 {ms(percentile95(self.fsync))} ({len(self.fsync)} samples, spread "
            "over the rounds)",
            f"- run time: {self.total_s:.0f} s in all (set-up {self.setup_s:.1f} s, of which the MLflow import "
            f"{self.import_ms / 1000:.1f} s and creating its store with the first prompt {self.create_ms / 1000:.1f} s; "
            f"rounds {self.rounds_s:.0f} s); 1-minute load average {self.load_before} at the start, "
            f"{self.load_after} at the end ({os.cpu_count()} cores)",
            "",
            "| figure | median | p95 |",
            "| --- | ---: | ---: |",
        ]
        for label, key in rows:
            lines.append(f"| {label} | {ms(med(key))} | {ms(p95(key))} |")
        lines += [
            "",
            "| ratio of medians (below 1: promptreg is faster) | move the prod alias / pointer | load by alias / resolve the channel |",
            "| --- | ---: | ---: |",
            f"| promptreg fresh / MLflow fresh | {ratio(med('pr_fresh_move'), med('ml_fresh_move'))} | "
            f"{ratio(med('pr_fresh_resolve'), med('ml_fresh_load'))} |",
            f"| promptreg fresh / MLflow warm | {ratio(med('pr_fresh_move'), med('ml_warm_move'))} | "
            f"{ratio(med('pr_fresh_resolve'), med('ml_warm_load'))} |",
            "",
            "What each figure includes:",
            "",
            "- **MLflow warm**: one call in a Python process that has imported mlflow and already used the store "
            "(SQLAlchemy engine and connection pool in place): the ORM queries and, for the move, one sqlite "
            f"transaction, which commits through sqlite's rollback journal with fsyncs (journal_mode={self.journal_mode}, "
            f"synchronous={self.synchronous}). The load passes `cache_ttl_seconds=0`, so it reads the store each time, "
            "as promptreg's resolve reads its state; it does not verify content against a digest.",
            "- **MLflow fresh**: what a script or a job that starts, reads or moves the alias and exits pays: Python's "
            "start-up, `import mlflow` (with its dependencies: SQLAlchemy, pandas, pydantic, ...), opening the "
            "store (importing the SQLAlchemy store and configuring its ORM mappers, the engine, a check that the "
            "tables exist) and the one call. Measured inside the same processes: `import mlflow` "
            f"{ms(self.med('ml_fresh_move_import', parts))} and the call {ms(self.med('ml_fresh_move_call', parts))} "
            f"for the move, {ms(self.med('ml_fresh_load_import', parts))} and "
            f"{ms(self.med('ml_fresh_load_call', parts))} for the load (medians); the rest of each process, "
            f"about {ms(self.med('ml_fresh_move') - self.med('ml_fresh_move_import', parts) - self.med('ml_fresh_move_call', parts))} "
            f"and {ms(self.med('ml_fresh_load') - self.med('ml_fresh_load_import', parts) - self.med('ml_fresh_load_call', parts))} "
            "(differences of the medians), is the interpreter's start-up and its exit (finalising the loaded modules "
            "and, after a load, waiting for the background thread `load_prompt` starts to link the prompt to the "
            "active experiment).",
            "- **promptreg fresh**: the whole CLI process: start-up, libgit2 initialisation, opening the registry, "
            "and for `promote` verifying the target version and writing one state commit with fsync of every object "
            "and ref (durable by default); for `resolve`, reading the state, resolving prod and recomputing every "
            "digest of the bundle, then printing its JSON.",
            "- **promptreg warm**: not measured here; `promptreg-bench` has no subcommand that resolves repeatedly on "
            "a given registry. The in-process figure is in this file's main table, written by `scripts/bench.sh` "
            "(`library: repeated resolve (warm)`, which re-reads the state ref on every call, so a channel move is "
            "seen at once).",
            f"- **MLflow warm, cached**: MLflow's default for loads by alias; a hit does not touch the store, but a "
            "move made by another process is seen only when the entry expires: here the cached load returned a "
            f"version other than the one the last move set in {self.cached_stale} of {self.cached_count} rounds "
            "(the fresh-process moves; a move made in the same process clears the entry).",
        ]
        if self.sync_counts:
            lines.append(
                f"- **fsync calls**, counted once with `strace -f -c` after the rounds: an MLflow alias move from a "
                f"fresh process makes {self.sync_counts[0]}, a promptreg promote {self.sync_counts[1]} "
                "(fsync, fdatasync and sync_file_range).")
        return "\n".join(lines) + "\n"


def write_section(path, section):
    """Replaces the section with the same heading (up to the next `## `) or appends it."""
    text = ""
    if os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            text = f.read()
    lines = text.splitlines(keepends=True)
    start = next((i for i, line in enumerate(lines) if line.rstrip("\n") == HEADING), None)
    if start is None:
        body = text.rstrip("\n")
        text = (body + "\n\n" if body else "") + section
    else:
        end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")), len(lines))
        rest = "".join(lines[end:])
        text = "".join(lines[:start]) + section + ("\n" + rest if rest else "")
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    temporary = path + ".tmp"
    with open(temporary, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(temporary, path)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--promptreg", required=True, help="the promptreg binary")
    parser.add_argument("--rounds", type=int, default=20, help="measured rounds (default 20)")
    parser.add_argument("--warmup", type=int, default=1, help="unrecorded rounds first (default 1)")
    parser.add_argument("--out", default="bench/results.md", help="results file (default bench/results.md)")
    parser.add_argument("--root", default=os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                        help="the promptreg checkout (for registry/support-agent)")
    parser.add_argument("--budget", type=float, default=900,
                        help="stop after the round that passes this many seconds of rounds (0: no limit; default 900)")
    parser.add_argument("--tmpdir", default=None, help="where the temporary directory goes (default: $TMPDIR or /tmp)")
    args = parser.parse_args()
    if args.rounds < 1 or args.warmup < 0:
        parser.error("--rounds must be at least 1 and --warmup at least 0")
    if not os.access(args.promptreg, os.X_OK):
        parser.error(f"{args.promptreg} is not an executable")

    tmp = tempfile.mkdtemp(prefix="promptreg-mlflow-bench-", dir=args.tmpdir)
    try:
        section = Bench(args, tmp).main()
    except BenchError as error:
        sys.stderr.write(f"bench-mlflow: {error}\n")
        return 1
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    write_section(args.out, section)
    sys.stdout.write(section)
    sys.stderr.write(f"bench-mlflow: wrote the section \"{HEADING[3:]}\" to {args.out}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())

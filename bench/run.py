#!/usr/bin/env python3
"""Side-by-side benchmark runner for ember and its peers (issue #5).

One command builds every contender, runs every workload on each of them several times
(contenders interleaved within each repetition), prints a table of medians with min-max and
ratios versus ember, and rewrites the results section of BENCHMARKS.md.

    python3 bench/run.py                      # everything, 3 repetitions, writes BENCHMARKS.md
    python3 bench/run.py --only go,tokio --workloads ring,call --reps 1 --no-write
    python3 bench/run.py --smoke              # CI: tiny sizes, ember only, exits 1 on failure

Python 3.11 standard library only. The CLI/JSON contract every contender follows is in
bench/README.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
BENCHMARKS_MD = ROOT / "BENCHMARKS.md"
START, END = "<!-- results:start -->", "<!-- results:end -->"

ALL_SYSTEMS = ["ember", "erlang", "elixir", "go", "tokio", "ractor", "kameo", "actix"]
RUST_PEERS = {"tokio": "tokio_bench", "ractor": "ractor_bench", "kameo": "kameo_bench", "actix": "actix_bench"}
ALL_WORKLOADS = ["spawn", "ring", "pingpong", "skynet", "call", "fairness", "kill", "restart", "crash_isolation",
                 "idle10m"]
# Systems that implement only some workloads.
ONLY_WORKLOADS = {"elixir": {"call"}}
HIGHER_IS_BETTER = {"msgs_per_sec", "calls_per_sec", "served_share"}
# Erlang's process limit for idle10m (10M processes; the default runs use +P 4000000).
ERL_IDLE_P = "20000000"
WORKERS = 2


@dataclass
class Config:
    workload: str
    flags: dict  # passed as --key value, in order
    label: str  # row label in the tables
    timeout: float  # wall-clock seconds for one run


def configs(smoke: bool, cap: float, kill_cap: float) -> list[Config]:
    """The workloads and their sizes (full or smoke)."""
    c: list[Config] = []
    if smoke:
        c.append(Config("spawn", {"n": 10_000}, "n=10k", 30))
        c.append(Config("ring", {"procs": 100, "laps": 100}, "100 procs x 100 laps", 30))
        c.append(Config("pingpong", {"pairs": 10, "trips": 100}, "10 pairs x 100", 30))
        c.append(Config("skynet", {"leaves": 10_000}, "10k leaves", 30))
        for callers, calls in [(1, 1000), (10, 100), (100, 10)]:
            c.append(Config("call", {"callers": callers, "calls": calls}, f"C={callers} x {calls}", 30))
        fc = min(cap, 5.0)
        c.append(Config("fairness", {"light": 10, "trips": 20, "hogs": 0, "cap-secs": fc}, "K=0", fc + 20))
        for kind in ["spin", "yield", "sleep"]:
            c.append(Config("fairness", {"light": 10, "trips": 20, "hogs": 2, "hog-kind": kind, "cap-secs": fc},
                            f"K=2 {kind}", fc + 20))
        for kind in ["spin", "yield", "sleep"]:
            kc = min(kill_cap, 1.0)
            c.append(Config("kill", {"hog-kind": kind, "kills": 2, "cap-secs": kc}, kind, 2 * kc + 20))
        c.append(Config("restart", {"crashes": 10}, "10 crashes", 30))
        c.append(Config("crash_isolation", {"children": 200, "clients": 10, "requests": 10}, "200 children x 10", 30))
        c.append(Config("idle10m", {"n": 20_000}, "n=20k", 30))
        return c
    c.append(Config("spawn", {"n": 1_000_000}, "n=1M", 300))
    c.append(Config("ring", {"procs": 1000, "laps": 1000}, "1k procs x 1k laps", 300))
    c.append(Config("ring", {"procs": 10_000, "laps": 1000}, "10k procs x 1k laps", 300))
    c.append(Config("pingpong", {"pairs": 1000, "trips": 1000}, "1k pairs x 1k", 300))
    c.append(Config("skynet", {"leaves": 1_000_000}, "1M leaves", 300))
    for callers, calls in [(1, 100_000), (100, 1000), (10_000, 10)]:
        c.append(Config("call", {"callers": callers, "calls": calls}, f"C={callers} x {calls}", 300))
    c.append(Config("fairness", {"light": 100, "trips": 200, "hogs": 0, "cap-secs": cap}, "K=0", cap + 60))
    for k in [2, 8]:
        for kind in ["spin", "yield", "sleep"]:
            c.append(Config("fairness", {"light": 100, "trips": 200, "hogs": k, "hog-kind": kind, "cap-secs": cap},
                            f"K={k} {kind}", cap + 60))
    for kind in ["spin", "yield", "sleep"]:
        c.append(Config("kill", {"hog-kind": kind, "kills": 5, "cap-secs": kill_cap}, kind, 5 * kill_cap + 60))
    c.append(Config("restart", {"crashes": 200}, "200 crashes", 120))
    c.append(Config("crash_isolation", {"children": 10_000, "clients": 100, "requests": 10},
                    "10k children x 10", 300))
    c.append(Config("idle10m", {"n": 10_000_000}, "n=10M", 600))
    return c


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def sh(cmd: list[str], **kw) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, text=True, capture_output=True, **kw)


def cmd_output(cmd: list[str]) -> str:
    try:
        r = sh(cmd, timeout=60)
        return (r.stdout + r.stderr).strip()
    except (OSError, subprocess.TimeoutExpired):
        return "n/a"


# ----------------------------------------------------------------------------- building

def ensure_tools(systems: list[str]) -> None:
    """apt-get install erlang-nox elixir golang-go when a selected system needs a missing tool."""
    need = []
    if any(s in systems for s in ["erlang", "elixir"]) and not shutil.which("erl"):
        need.append("erl")
    if "go" in systems and not shutil.which("go"):
        need.append("go")
    if "elixir" in systems and not shutil.which("elixir"):
        need.append("elixir")
    if not need:
        return
    log(f"[build] missing {', '.join(need)}: apt-get install erlang-nox elixir golang-go")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    subprocess.run(["apt-get", "update"], check=False, env=env)
    subprocess.run(["apt-get", "install", "-y", "--no-install-recommends", "erlang-nox", "elixir",
                    "golang-go"], check=False, env=env)


def cargo_build(manifest: Path, bins: list[str]) -> dict[str, Path]:
    """cargo build --release; returns {bin name: executable} from cargo's JSON messages."""
    cmd = ["cargo", "build", "--release", "--manifest-path", str(manifest), "--message-format=json-render-diagnostics"]
    for b in bins:
        cmd += ["--bin", b]
    log(f"[build] {' '.join(cmd)}")
    r = subprocess.run(cmd, text=True, stdout=subprocess.PIPE)
    if r.returncode != 0:
        raise RuntimeError(f"cargo build failed for {manifest}")
    exes = {}
    for line in r.stdout.splitlines():
        try:
            m = json.loads(line)
        except json.JSONDecodeError:
            continue
        if m.get("reason") == "compiler-artifact" and m.get("executable"):
            exes[m["target"]["name"]] = Path(m["executable"])
    return exes


def build(systems: list[str], ember_manifest: Path) -> dict[str, list[str]]:
    """Builds the selected contenders; returns {system: command prefix}. Drops what cannot build."""
    ensure_tools(systems)
    cmds: dict[str, list[str]] = {}
    if "ember" in systems:
        manifest = ember_manifest
        if not manifest.exists():
            log(f"[build] SKIP ember: {manifest} does not exist yet "
                "(the ember contender is the binary ember_bench of the crate bench/ember-bench)")
        else:
            try:
                exes = cargo_build(manifest, ["ember_bench"])
                cmds["ember"] = [str(exes["ember_bench"])]
            except (RuntimeError, KeyError) as e:
                log(f"[build] ember: FAILED ({e})")
    rust = [s for s in systems if s in RUST_PEERS]
    if rust:
        try:
            exes = cargo_build(BENCH / "peers-rust" / "Cargo.toml", [RUST_PEERS[s] for s in rust])
            for s in rust:
                cmds[s] = [str(exes[RUST_PEERS[s]])]
        except (RuntimeError, KeyError) as e:
            log(f"[build] rust peers: FAILED ({e})")
    if "erlang" in systems:
        ebin = BENCH / "erlang" / "ebin"
        ebin.mkdir(exist_ok=True)
        srcs = sorted(str(p) for p in (BENCH / "erlang").glob("*.erl"))
        r = sh(["erlc", "-o", str(ebin), *srcs]) if shutil.which("erlc") else None
        if r is None or r.returncode != 0:
            log(f"[build] erlang: FAILED {r.stderr if r else 'erlc not found'}")
        else:
            log("[build] erlc -o bench/erlang/ebin bench/erlang/*.erl")
            cmds["erlang"] = ["erl", "-noshell", "+S", f"{WORKERS}:{WORKERS}", "+P", "4000000",
                              "-pa", str(ebin), "-s", "ember_peer", "main", "-extra"]
    if "elixir" in systems:
        if shutil.which("elixir"):
            cmds["elixir"] = ["elixir", "--erl", f"+S {WORKERS}:{WORKERS} +P 4000000",
                              str(BENCH / "elixir" / "call.exs")]
        else:
            log("[build] elixir: not installed, skipped")
    if "go" in systems:
        exe = BENCH / "go" / "ember-go-bench"
        env = dict(os.environ, GOPROXY="off", GO111MODULE="on", GOFLAGS="-mod=mod")
        r = sh(["go", "build", "-o", str(exe), "."], cwd=BENCH / "go", env=env) if shutil.which("go") else None
        if r is None or r.returncode != 0:
            log(f"[build] go: FAILED {r.stderr if r else 'go not found'}")
        else:
            log("[build] (cd bench/go && go build -o ember-go-bench .)")
            cmds["go"] = [str(exe)]
    return cmds


# ----------------------------------------------------------------------------- running

@dataclass
class Run:
    system: str
    config: Config
    rep: int
    lines: list[dict] = field(default_factory=list)
    failure: str | None = None  # None: the program ran and exited 0
    seconds: float = 0.0


def run_one(system: str, prefix: list[str], cfg: Config, rep: int, raw_log) -> Run:
    if system == "erlang" and cfg.workload == "idle10m":
        # Erlang's process table is sized by +P: raise it for 10M processes.
        prefix = [ERL_IDLE_P if i > 0 and prefix[i - 1] == "+P" else a for i, a in enumerate(prefix)]
    argv = [*prefix, cfg.workload]
    for k, v in cfg.flags.items():
        argv += [f"--{k}", str(v)]
    argv += ["--workers", str(WORKERS)]
    env = dict(os.environ, GOMAXPROCS=str(WORKERS))
    run = Run(system, cfg, rep)
    t0 = time.monotonic()
    # Own session, so that a timeout kills the whole process group (erl spawns helpers).
    p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                         start_new_session=True)
    try:
        out, err = p.communicate(timeout=cfg.timeout)
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        out, err = p.communicate()
        run.failure = f"timeout after {cfg.timeout:.0f} s"
    else:
        if p.returncode != 0:
            run.failure = f"exit {p.returncode}: {err.strip().splitlines()[-1] if err.strip() else ''}"
    finally:
        try:  # anything the program left behind in its group
            os.killpg(p.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
    run.seconds = time.monotonic() - t0
    for line in out.splitlines():
        line = line.strip()
        if not line.startswith("{"):
            continue
        try:
            d = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(d, dict) and "metric" in d:
            run.lines.append(d)
    if run.failure is None and not run.lines:
        run.failure = "no JSON result line"
    raw_log.write(json.dumps({"system": system, "workload": cfg.workload, "label": cfg.label, "rep": rep,
                              "argv": argv, "failure": run.failure, "seconds": round(run.seconds, 3),
                              "lines": run.lines, "stderr_tail": err[-2000:] if err else ""}) + "\n")
    raw_log.flush()
    return run


def loadavg() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "n/a"


def describe(run: Run) -> str:
    if run.failure:
        return f"FAILED ({run.failure})"
    parts = []
    for d in run.lines:
        v = d.get("value")
        st = d.get("status", "ok")
        parts.append(f"{d['metric']}={fmt(v) if v is not None else '-'}{'' if st == 'ok' else ' [' + st + ']'}")
    return ", ".join(parts)


# ----------------------------------------------------------------------------- tables

def fmt(v: float | None) -> str:
    if v is None:
        return "-"
    a = abs(v)
    if a >= 1e6:
        return f"{v / 1e6:.2f}M"
    if a >= 1e4:
        return f"{v / 1e3:.0f}k"
    if a >= 100:
        return f"{v:.0f}"
    if a >= 10:
        return f"{v:.1f}"
    return f"{v:.2f}"


def metric_order(workload: str) -> list[str]:
    return {
        "spawn": ["us_per_spawn", "bytes_per_process", "vm_bytes_per_process"],
        "ring": ["ns_per_hop"],
        "pingpong": ["msgs_per_sec"],
        "skynet": ["ms"],
        "call": ["us_per_call", "calls_per_sec"],
        "fairness": ["p50_us", "p99_us", "max_us", "total_ms"],
        "kill": ["kill_latency_us"],
        "restart": ["restart_p50_us", "restart_max_us"],
        "crash_isolation": ["served_share", "restart_p50_us", "restart_max_us", "total_ms"],
        "idle10m": ["feasible", "bytes_per_process", "us_per_spawn"],
    }[workload]


def cell(runs: list[Run], metric: str) -> tuple[str, float | None]:
    """Summary of one (system, config, metric) over the repetitions: text and median (or None)."""
    if not runs:
        return "", None
    vals, statuses, failures, finished, partial = [], [], 0, [], []
    for r in runs:
        if r.failure:
            failures += 1
            continue
        for d in r.lines:
            if d.get("metric") == metric:
                if "spawned" in d and d.get("n") and d["spawned"] < d["n"]:
                    partial.append(d["spawned"])
                statuses.append(d.get("status", "ok"))
                if d.get("status") == "starved" and "finished" in d:
                    finished.append(f"{d['finished']}/{d.get('light', '?')}")
                if d.get("status", "ok") == "ok" and isinstance(d.get("value"), (int, float)):
                    vals.append(float(d["value"]))
    n = len(runs)
    if statuses and all(s == "unsupported" for s in statuses):
        return "n/a", None
    bad = [s for s in statuses if s not in ("ok", "unsupported")]
    if not statuses and failures:
        return f"FAILED {failures}/{n}", None
    if not statuses:
        return "", None
    if bad:
        word = {"starved": "STARVED", "timeout": "NEVER (cap)"}.get(bad[0], bad[0].upper())
        if bad[0] == "starved" and finished and metric == "total_ms":
            word += f" (finished {', '.join(finished)})"
        extra = f" in {len(bad)}/{n} reps" if len(bad) < n else ""
        return word + extra + (f"; ok: {fmt(statistics.median(vals))}" if vals else ""), None
    med = statistics.median(vals)
    fail = f" +{failures} failed" if failures else ""
    if metric == "feasible":  # idle10m: 1 or 0 per run
        yes = sum(1 for v in vals if v >= 1)
        text = "yes" if yes == len(vals) else ("no" if yes == 0 else f"yes in {yes}/{len(vals)}")
        return text + fail, None
    rng = f" ({fmt(min(vals))}–{fmt(max(vals))})" if len(vals) > 1 else ""
    # idle10m stopped early (memory budget or limit): the figure is over the processes spawned.
    at = f" (at {fmt(float(min(partial)))} spawned)" if partial else ""
    return f"{fmt(med)}{rng}{at}{fail}", med


def ratio(metric: str, ember: float | None, peer: float | None) -> str:
    """ember relative to the peer, < 1 means ember is better (for every metric)."""
    if ember is None or peer is None or ember <= 0 or peer <= 0:
        return ""
    r = peer / ember if metric in HIGHER_IS_BETTER else ember / peer
    return f" · {r:.2f}×"


def tables(runs: list[Run], cfgs: list[Config], systems: list[str]) -> str:
    out = []
    by = {}
    for r in runs:
        by.setdefault((r.config.workload, r.config.label, r.system), []).append(r)
    for wl in ALL_WORKLOADS:
        wcfgs = [c for c in cfgs if c.workload == wl]
        if not wcfgs:
            continue
        metrics = metric_order(wl)
        # Keep metric columns that some run reported (vm_bytes_per_process is Erlang-only).
        seen = {d["metric"] for r in runs if r.config.workload == wl for d in r.lines}
        metrics = [m for m in metrics if m in seen] or metrics[:1]
        out.append(f"### {wl}\n")
        out.append("| params | system | " + " | ".join(metrics) + " |")
        out.append("|---|---|" + "---|" * len(metrics))
        for c in wcfgs:
            ember_meds = {m: cell(by.get((wl, c.label, "ember"), []), m)[1] for m in metrics}
            for s in systems:
                rs = by.get((wl, c.label, s), [])
                if not rs:
                    continue
                cells = []
                for m in metrics:
                    text, med = cell(rs, m)
                    if s != "ember":
                        text += ratio(m, ember_meds[m], med)
                    cells.append(text)
                out.append(f"| {c.label} | {s} | " + " | ".join(cells) + " |")
        out.append("")
    return "\n".join(out)


# ----------------------------------------------------------------------------- BENCHMARKS.md

def machine_facts() -> dict[str, str]:
    model = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = cmd_output(["free", "-h"]).splitlines()
    mem_line = next((l for l in mem if l.startswith("Mem:")), "n/a")
    erl = cmd_output(["erl", "-noshell", "-eval",
                      'io:format("OTP ~s, erts ~s", [erlang:system_info(otp_release), '
                      'erlang:system_info(version)]), halt().'])
    lock = BENCH / "peers-rust" / "Cargo.lock"
    crates = []
    if lock.exists():
        text = lock.read_text()
        for name in ["tokio", "ractor", "kameo", "actix", "actix-rt"]:
            marker = f'name = "{name}"\nversion = "'
            i = text.find(marker)
            if i >= 0:
                crates.append(f"{name} {text[i + len(marker):].split(chr(34))[0]}")
    return {
        "cores": cmd_output(["nproc"]),
        "cpu": model,
        "memory": mem_line.split()[1] if len(mem_line.split()) > 1 else "n/a",
        "kernel": cmd_output(["uname", "-r"]),
        "erlang": erl,
        "elixir": (cmd_output(["elixir", "--version"]).splitlines() or ["n/a"])[-1],
        "go": cmd_output(["go", "version"]),
        "rustc": cmd_output(["rustc", "--version"]),
        "crates": ", ".join(crates) or "n/a",
    }


HEADER = """# Benchmarks: ember side by side with its peers

The suite lives in `bench/` (see `bench/README.md` for what each workload measures, how each peer is
written, and the command-line/JSON contract). Every contender runs the same workloads with **2
workers** (Erlang `+S 2:2`, Go `GOMAXPROCS=2`, tokio/ractor/kameo 2 worker threads, actix 2
arbiters), each run in its own OS process with a wall-clock timeout; a fairness run that does not
finish within its cap is reported as STARVED.

## Method

- Each workload runs `--reps` times (default 3); within a repetition the contenders are interleaved.
- Cells show the median over the repetitions and, in parentheses, min–max.
- `· r×` is ember relative to that peer for the same metric, normalised so that **r < 1 means ember
  is better** (ember ÷ peer for times, latencies and bytes; peer ÷ ember for throughputs).
- STARVED: some light processes had not finished when the cap ran out. NEVER (cap): the kill was not
  observed within the cap. n/a: the system cannot do it (e.g. Go cannot kill a goroutine).

## Commands

```sh
python3 bench/run.py                 # build everything, all workloads, 3 reps, rewrite the results below
python3 bench/run.py --only erlang,go,tokio --workloads ring,call --reps 1 --no-write
python3 bench/run.py --smoke         # CI: tiny sizes, ember only, non-zero exit on any failure
```

## Machine

{machine}

## Results

{start}
(no results yet: run `python3 bench/run.py`)
{end}
"""


def machine_md(f: dict[str, str]) -> str:
    return "\n".join([
        f"- cores: {f['cores']} — CPU: {f['cpu']}",
        f"- memory: {f['memory']} (free -h) — kernel {f['kernel']}",
        f"- Erlang/OTP: {f['erlang']}; Elixir: {f['elixir']}",
        f"- Go: {f['go']}",
        f"- Rust: {f['rustc']}; crates: {f['crates']}",
    ])


def write_benchmarks(path: Path, results_md: str, facts: dict[str, str]) -> None:
    if not path.exists():
        path.write_text(HEADER.format(machine=machine_md(facts), start=START, end=END))
    text = path.read_text()
    if START not in text or END not in text:
        text = text.rstrip() + f"\n\n## Results\n\n{START}\n{END}\n"
    a = text.index(START) + len(START)
    b = text.index(END)
    path.write_text(text[:a] + "\n" + results_md.strip() + "\n" + text[b:])


# ----------------------------------------------------------------------------- main

def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--only", help="comma-separated systems (default: all; with --smoke: ember)")
    ap.add_argument("--workloads", help=f"comma-separated workloads from {','.join(ALL_WORKLOADS)}")
    ap.add_argument("--reps", type=int, default=None, help="repetitions (default 3; 1 with --smoke)")
    ap.add_argument("--smoke", action="store_true",
                    help="tiny sizes, ember only unless --only, never writes BENCHMARKS.md, exit 1 on failure")
    ap.add_argument("--cap-secs", type=float, default=30.0, help="fairness wall-clock cap per run (default 30)")
    ap.add_argument("--kill-cap-secs", type=float, default=2.0, help="kill: cap per kill (default 2)")
    ap.add_argument("--no-build", action="store_true", help="use the binaries already built")
    ap.add_argument("--no-write", action="store_true", help="do not rewrite BENCHMARKS.md")
    ap.add_argument("--ember-manifest", default=str(BENCH / "ember-bench" / "Cargo.toml"),
                    help="Cargo.toml of the crate with the ember_bench binary (default bench/ember-bench/Cargo.toml)")
    ap.add_argument("--benchmarks-md", default=str(BENCHMARKS_MD),
                    help="the file whose results section is rewritten (default: BENCHMARKS.md at the repo root)")
    args = ap.parse_args()

    systems = ([s.strip() for s in args.only.split(",") if s.strip()] if args.only
               else (["ember"] if args.smoke else list(ALL_SYSTEMS)))
    for s in systems:
        if s not in ALL_SYSTEMS:
            ap.error(f"unknown system {s!r}; known: {', '.join(ALL_SYSTEMS)}")
    workloads = ([w.strip() for w in args.workloads.split(",") if w.strip()] if args.workloads
                 else list(ALL_WORKLOADS))
    for w in workloads:
        if w not in ALL_WORKLOADS:
            ap.error(f"unknown workload {w!r}; known: {', '.join(ALL_WORKLOADS)}")
    reps = args.reps if args.reps is not None else (1 if args.smoke else 3)

    if args.no_build:
        cmds = prebuilt(systems)
    else:
        cmds = build(systems, Path(args.ember_manifest).resolve())
    runnable = [s for s in systems if s in cmds]
    skipped = [s for s in systems if s not in cmds]
    if skipped:
        log(f"[run] not run (not built): {', '.join(skipped)}")
    if not runnable:
        log("[run] nothing to run")
        # A smoke run with ember not written yet is not a failure of any workload.
        return 0 if (args.smoke and skipped == ["ember"]) else 1

    cfgs = [c for c in configs(args.smoke, args.cap_secs, args.kill_cap_secs) if c.workload in workloads]
    results_dir = BENCH / "results"
    results_dir.mkdir(exist_ok=True)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    raw_path = results_dir / f"{'smoke' if args.smoke else 'run'}-{stamp}.jsonl"
    runs: list[Run] = []
    load_start = loadavg()
    t_start = time.monotonic()
    with raw_path.open("w") as raw:
        for rep in range(reps):
            for cfg in cfgs:
                order = [s for s in runnable if cfg.workload in ONLY_WORKLOADS.get(s, {cfg.workload})]
                # Interleave: rotate the order of the contenders from one repetition to the next.
                if order:
                    k = rep % len(order)
                    order = order[k:] + order[:k]
                for s in order:
                    r = run_one(s, cmds[s], cfg, rep, raw)
                    runs.append(r)
                    log(f"[rep {rep + 1}/{reps}] {cfg.workload:9} {cfg.label:22} {s:7} "
                        f"{r.seconds:6.1f}s  {describe(r)}")
    elapsed = time.monotonic() - t_start

    md = tables(runs, cfgs, runnable)
    print(md)
    log(f"[run] raw results: {raw_path.relative_to(ROOT)} ({elapsed:.0f} s)")

    failed = [r for r in runs if r.failure or any(d.get("status") == "error" for d in r.lines)]
    if args.smoke:
        # In the smoke test every status other than ok/unsupported is a failure (ember promises
        # that light processes finish and that kills are observed).
        failed = [r for r in runs if r.failure
                  or any(d.get("status", "ok") not in ("ok", "unsupported") for d in r.lines)]
    for r in failed:
        log(f"[run] FAILED: {r.system} {r.config.workload} {r.config.label} rep {r.rep + 1}: {describe(r)}")

    if not args.smoke and not args.no_write:
        facts = machine_facts()
        head = [
            f"Run {dt.datetime.now().strftime('%Y-%m-%d %H:%M')}: `python3 bench/run.py"
            + "".join(f" {a}" for a in sys.argv[1:]) + f"` — {reps} rep(s), {elapsed / 60:.1f} min.",
            f"Load average (1/5/15 min) at start: {load_start}; at end: {loadavg()} "
            "(the machine may be shared; compare within a run, not across runs).",
            f"Contenders: {', '.join(runnable)}"
            + (f"; not run: {', '.join(skipped)}" if skipped else "") + ".",
            f"Machine: {facts['cores']} cores, {facts['cpu']}, {facts['memory']} RAM; "
            f"{facts['erlang']}; {facts['go']}; {facts['rustc']}; {facts['crates']}.",
            "",
        ]
        target = Path(args.benchmarks_md).resolve()
        write_benchmarks(target, "\n".join(head) + "\n" + md, facts)
        log(f"[run] wrote {target}")

    if failed:
        return 1 if args.smoke or any(r.failure for r in failed) else 0
    return 0


def prebuilt(systems: list[str]) -> dict[str, list[str]]:
    """--no-build: the default locations of already built contenders."""
    cmds = {}
    tgt = Path(os.environ.get("CARGO_TARGET_DIR", BENCH / "peers-rust" / "target"))
    for s, b in RUST_PEERS.items():
        if s in systems and (tgt / "release" / b).exists():
            cmds[s] = [str(tgt / "release" / b)]
    if "ember" in systems:
        # ember-bench is a member of the main workspace: its binary is in the workspace's target
        # dir (CARGO_TARGET_DIR if set, else target/ at the repo root).
        targets = [Path(os.environ["CARGO_TARGET_DIR"])] if os.environ.get("CARGO_TARGET_DIR") else []
        for t in [*targets, ROOT / "target", BENCH / "ember-bench" / "target"]:
            if (t / "release" / "ember_bench").exists():
                cmds["ember"] = [str(t / "release" / "ember_bench")]
                break
    if "erlang" in systems and (BENCH / "erlang" / "ebin" / "ember_peer.beam").exists():
        cmds["erlang"] = ["erl", "-noshell", "+S", f"{WORKERS}:{WORKERS}", "+P", "4000000",
                          "-pa", str(BENCH / "erlang" / "ebin"), "-s", "ember_peer", "main", "-extra"]
    if "elixir" in systems and shutil.which("elixir"):
        cmds["elixir"] = ["elixir", "--erl", f"+S {WORKERS}:{WORKERS} +P 4000000", str(BENCH / "elixir" / "call.exs")]
    if "go" in systems and (BENCH / "go" / "ember-go-bench").exists():
        cmds["go"] = [str(BENCH / "go" / "ember-go-bench")]
    return cmds


if __name__ == "__main__":
    sys.exit(main())

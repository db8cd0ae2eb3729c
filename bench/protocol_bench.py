#!/usr/bin/env python3
"""Runs bench/programs/*.s under a protocol K times with `mpvm run --json` and prints a
Markdown table of medians: whole-run wall time (the launcher's), the timed operation
(timer 1, slowest party), bytes sent per party and rounds (of timer 1).

    bench/protocol_bench.py [--mpvm build/mpvm] [--protocol rep3] [--parties N] [--repeat 7] [--nonlinear native|generic|both] [PROGRAM...]

With --nonlinear both, each program runs with the back-end's fast path and with the
generic layer, side by side.

`mpvm bench` runs the protocol x program matrix (whole runs, every back-end); this script
stays for the timed operation alone (timer 1) of bench/programs/*.s."""
import argparse, json, pathlib, statistics, subprocess, tempfile, time

here = pathlib.Path(__file__).resolve().parent
parser = argparse.ArgumentParser()
parser.add_argument("--mpvm", default=str(here.parent / "build" / "mpvm"))
parser.add_argument("--protocol", default="rep3")
parser.add_argument("--parties", type=int, default=0, help="number of parties (default: the protocol's)")
parser.add_argument("--repeat", type=int, default=7)
parser.add_argument("--nonlinear", default="native", choices=["native", "generic", "both"])
parser.add_argument("programs", nargs="*")
args = parser.parse_args()
programs = [pathlib.Path(p) for p in args.programs] or sorted((here / "programs").glob("*.s"))

def measure(program, nonlinear):
    walls, ops, sent, rounds, offline_seconds, offline_sent = [], [], [], [], [], []
    parties = ["--parties", str(args.parties)] if args.parties else []
    for _ in range(args.repeat):
        with tempfile.NamedTemporaryFile(suffix=".json") as stats:
            start = time.perf_counter()
            subprocess.run([args.mpvm, "run", str(program), "--protocol", args.protocol, "--nonlinear", nonlinear,
                            *parties, "-q", "--json", stats.name], check=True, stdout=subprocess.DEVNULL)
            walls.append(time.perf_counter() - start)
            reports = json.load(open(stats.name))["party_reports"]
        timers = [r["timers"]["1"] for r in reports]
        ops.append(max(t["seconds"] for t in timers))
        sent.append(max(t["bytes_sent"] for t in timers))
        rounds.append(max(t["rounds"] for t in timers))
        # Preprocessing made during the run (semi2k's triples), over the whole run.
        offline = [r["phases"]["offline"] for r in reports]
        offline_seconds.append(max(o.get("seconds", 0.0) for o in offline))
        offline_sent.append(max(o["bytes_sent"] for o in offline))
    return (statistics.median(walls), statistics.median(ops), int(statistics.median(sent)), int(statistics.median(rounds)),
            statistics.median(offline_seconds), int(statistics.median(offline_sent)))

print(f"protocol `{args.protocol}`{f', {args.parties} parties' if args.parties else ''}, median of {args.repeat} runs\n")
if args.nonlinear == "both":
    print("| program | native: op (s) | bytes sent per party | rounds | generic: op (s) | bytes sent per party | rounds |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for program in programs:
        n, g = measure(program, "native"), measure(program, "generic")
        print(f"| {program.stem} | {n[1]:.4f} | {n[2]:,} | {n[3]} | {g[1]:.4f} | {g[2]:,} | {g[3]} |")
else:
    print("| program | whole run (s) | timed op, slowest party (s) | bytes sent per party (op) | rounds (op) | of the run: offline (s) | offline bytes per party |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for program in programs:
        wall, op, sent, rounds, offline_seconds, offline_sent = measure(program, args.nonlinear)
        print(f"| {program.stem} | {wall:.3f} | {op:.4f} | {sent:,} | {rounds} | {offline_seconds:.3f} | {offline_sent:,} |")

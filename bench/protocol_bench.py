#!/usr/bin/env python3
"""Runs bench/programs/*.s under a protocol K times with `mpvm run --json` and prints a
Markdown table of medians: whole-run wall time (the launcher's), the timed operation
(timer 1, slowest party), bytes sent per party and rounds (of timer 1).

    bench/protocol_bench.py [--mpvm build/mpvm] [--protocol rep3] [--repeat 7] [--nonlinear native|generic|both] [PROGRAM...]

With --nonlinear both, each program runs with the back-end's fast path and with the
generic layer, side by side.

`mpvm bench` (a later issue) replaces this script."""
import argparse, json, pathlib, statistics, subprocess, tempfile, time

here = pathlib.Path(__file__).resolve().parent
parser = argparse.ArgumentParser()
parser.add_argument("--mpvm", default=str(here.parent / "build" / "mpvm"))
parser.add_argument("--protocol", default="rep3")
parser.add_argument("--repeat", type=int, default=7)
parser.add_argument("--nonlinear", default="native", choices=["native", "generic", "both"])
parser.add_argument("programs", nargs="*")
args = parser.parse_args()
programs = [pathlib.Path(p) for p in args.programs] or sorted((here / "programs").glob("*.s"))

def measure(program, nonlinear):
    walls, ops, sent, rounds = [], [], [], []
    for _ in range(args.repeat):
        with tempfile.NamedTemporaryFile(suffix=".json") as stats:
            start = time.perf_counter()
            subprocess.run([args.mpvm, "run", str(program), "--protocol", args.protocol, "--nonlinear", nonlinear,
                            "-q", "--json", stats.name], check=True, stdout=subprocess.DEVNULL)
            walls.append(time.perf_counter() - start)
            reports = json.load(open(stats.name))["party_reports"]
        timers = [r["timers"]["1"] for r in reports]
        ops.append(max(t["seconds"] for t in timers))
        sent.append(max(t["bytes_sent"] for t in timers))
        rounds.append(max(t["rounds"] for t in timers))
    return (statistics.median(walls), statistics.median(ops), int(statistics.median(sent)), int(statistics.median(rounds)))

print(f"protocol `{args.protocol}`, median of {args.repeat} runs\n")
if args.nonlinear == "both":
    print("| program | native: op (s) | bytes sent per party | rounds | generic: op (s) | bytes sent per party | rounds |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for program in programs:
        n, g = measure(program, "native"), measure(program, "generic")
        print(f"| {program.stem} | {n[1]:.4f} | {n[2]:,} | {n[3]} | {g[1]:.4f} | {g[2]:,} | {g[3]} |")
else:
    print("| program | whole run (s) | timed op, slowest party (s) | bytes sent per party (op) | rounds (op) |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for program in programs:
        wall, op, sent, rounds = measure(program, args.nonlinear)
        print(f"| {program.stem} | {wall:.3f} | {op:.4f} | {sent:,} | {rounds} |")

#!/usr/bin/env python3
"""Checks a PSD policy against four targets on an `l2o bench` summary.json (the RESULTS.md table).

usage: scripts/research/psd_targets.py SUMMARY.json [--policy NAME] [--exclude NAME,...] [--markdown]

For each panel: the policy's mean meta-loss, its rank among all optimizers, the best other
optimizer and the gap, the best *tuned hand-designed* optimizer by mean meta-loss and on how many
seeds (paired by evaluation seed) the policy is below it, the divergences, and the speed-up over
tuned Adam (Adam's iterations to reach the policy's final mean objective over the policy's; '>'
where Adam never reaches it within the panel's iterations). Then the four targets:
  1. lowest mean meta-loss of all optimizers on every panel, and below the best tuned baseline on
     >= 8 of 10 seeds on every panel;
  2. median speed-up over Adam across the panels >= 1.5;
  3. (per-panel-tuned baselines: not in a plain bench summary; see --tune-per-task)
  4. no run of the policy diverges.
"""
import argparse
import json
import statistics
import sys

HAND = {"sgd", "momentum", "cg", "lbfgs", "adagrad", "adam", "rmsprop"}


def mean(o):
    """Mean meta-loss of an optimizer's converged runs; infinite when every run diverged (null)."""
    v = o.get("meta_loss_mean")
    return float("inf") if v is None else v


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("summary")
    ap.add_argument("--policy", default="psd", help="optimizer name in the summary (default psd)")
    ap.add_argument("--exclude", default="", help="optimizers to leave out of the comparison (comma-separated), "
                    "e.g. the other PSD policy")
    ap.add_argument("--markdown", action="store_true", help="print the panel table as Markdown")
    a = ap.parse_args()
    try:
        with open(a.summary) as f:
            summary = json.load(f)
        panels = summary["panels"]
    except (OSError, ValueError, KeyError) as e:
        sys.exit(f"psd_targets.py: cannot read a bench summary from {a.summary}: {e}")

    rows, speedups, firsts, paired_ok, diverged = [], [], 0, 0, 0
    for p in panels:
        opts = {o["name"]: o for o in p["optimizers"]}
        if a.policy not in opts:
            sys.exit(f"psd_targets.py: {a.summary}: panel {p['experiment']} {p['dataset']} has no optimizer "
                     f"'{a.policy}' (names: {', '.join(opts)})")
        me = opts[a.policy]
        excluded = set(filter(None, a.exclude.split(",")))
        others = [o for n, o in opts.items() if n != a.policy and n not in excluded]
        best_other = min(others, key=lambda o: (o["diverged_runs"] > 0, mean(o)))  # noqa: E731
        hand = [o for o in others if o["name"] in HAND and o["diverged_runs"] == 0]
        best_hand = min(hand, key=mean)
        wins = sum(1 for x, y in zip(me["meta_losses"], best_hand["meta_losses"]) if x < y)
        n = len(me["meta_losses"])
        first = me["diverged_runs"] == 0 and mean(me) < mean(best_other)
        firsts += first
        paired_ok += wins >= 0.8 * n
        diverged += me["diverged_runs"]
        if me.get("speedup_over_adam") is not None:
            sp, sp_text = me["speedup_over_adam"], f"{me['speedup_over_adam']:.2f}x"
        elif me.get("speedup_over_adam_more_than") is not None:
            sp, sp_text = me["speedup_over_adam_more_than"], f"> {me['speedup_over_adam_more_than']:.2f}x"
        else:
            sp, sp_text = None, "—"
        if sp is not None:
            speedups.append(sp)
        key = lambda o: (o["diverged_runs"] > 0, mean(o))
        rank = 1 + sum(1 for o in others if key(o) < key(me))  # among the optimizers compared
        gap = 100.0 * (mean(me) / mean(best_other) - 1.0)
        rows.append([f"{p['experiment']} {p['dataset']}", f"{p['arch']}, {p['batch']}, {p['iters']}",
                     f"{mean(me):.2f}", str(rank), f"{best_other['name']} {gap:+.1f} %",
                     f"{best_hand['name']}", f"{wins}/{n}", str(me["diverged_runs"]), sp_text])

    head = ["panel", "net, batch, iters", "meta-loss", "rank", "vs best other", "best tuned baseline",
            "seeds below it", "diverged", "speed-up over Adam"]
    if a.markdown:
        print("| " + " | ".join(head) + " |")
        print("|" + "|".join("---" if i < 2 or i == 5 else "---:" for i in range(len(head))) + "|")
        for r in rows:
            print("| " + " | ".join(r) + " |")
    else:
        w = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(head)]
        print("  ".join(h.ljust(w[i]) for i, h in enumerate(head)))
        for r in rows:
            print("  ".join(c.ljust(w[i]) for i, c in enumerate(r)))
    P = len(panels)
    med = statistics.median(speedups) if speedups else float("nan")
    print()
    print(f"target 1: first on {firsts}/{P} panels; below the best tuned baseline on >= 80 % of seeds on "
          f"{paired_ok}/{P} panels -> {'met' if firsts == P and paired_ok == P else 'not met'}")
    print(f"target 2: median speed-up over Adam {med:.2f}x over {len(speedups)} panels (lower bounds "
          f"counted at their bound) -> {'met' if med >= 1.5 else 'not met'}")
    print(f"target 4: {diverged} diverged runs -> {'met' if diverged == 0 else 'not met'}")


if __name__ == "__main__":
    main()

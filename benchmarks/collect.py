#!/usr/bin/env python3
"""Prints the markdown tables of BENCHMARKS.md from criterion's output
(target/criterion/**/new/{benchmark,estimates}.json): median ns/op per codec
and the ratio ours / fory 1.7.7 (< 1 = we are faster).

Usage (from benchmarks/): python3 collect.py [target/criterion]
"""
import json
import os
import sys

root = sys.argv[1] if len(sys.argv) > 1 else "target/criterion"
res = {}
for dirpath, _, files in os.walk(root):
    if os.path.basename(dirpath) == "new" and "benchmark.json" in files:
        b = json.load(open(os.path.join(dirpath, "benchmark.json")))
        e = json.load(open(os.path.join(dirpath, "estimates.json")))
        res[(b["group_id"], b["function_id"])] = e["median"]["point_estimate"]


def fmt(ns):
    if ns is None:
        return "–"
    if ns >= 1e6:
        return f"{ns / 1e6:.2f} ms"
    if ns >= 1e4:
        return f"{ns / 1e3:.1f} µs"
    return f"{ns:.0f}"


def ratio(a, b):
    if a is None or b is None:
        return "–"
    r = a / b
    s = f"{r:.2f}"
    return f"**{s}**" if r > 1.25 else s


MODELS = ["NumericStruct", "Sample", "MediaContent", "NumericStructList", "SampleList", "MediaContentList"]
DIRS = ["ser", "ser_into", "de"]

print("Median ns per operation (µs/ms where marked). Ratio = ours / fory 1.7.7 in the same mode;")
print("**bold** = we are more than 1.25x slower (below that, count it as a tie on this machine).\n")
print("| model | dir | ours consistent | fory177 consistent | ratio | ours compat | fory177 compat | ratio | bincode | postcard | rmp-serde |")
print("|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|")
for m in MODELS:
    for d in DIRS:
        g = f"{m}/{d}"
        v = {k: res.get((g, k)) for k in ["ours_consistent", "fory177_consistent", "ours_compat", "fory177_compat", "bincode", "postcard", "rmp_serde"]}
        if all(x is None for x in v.values()):
            continue
        print(f"| {m} | {d} | {fmt(v['ours_consistent'])} | {fmt(v['fory177_consistent'])} | {ratio(v['ours_consistent'], v['fory177_consistent'])} "
              f"| {fmt(v['ours_compat'])} | {fmt(v['fory177_compat'])} | {ratio(v['ours_compat'], v['fory177_compat'])} "
              f"| {fmt(v['bincode'])} | {fmt(v['postcard'])} | {fmt(v['rmp_serde'])} |")

if any(k == "ours_view_consistent" for _, k in res):
    print("\nDeserialization into the borrowing views (`src/views.rs`: `&str` strings, `Cow<[T]>` arrays,")
    print("which borrow when they land aligned). Ratio = view / fory 1.7.7 in the same mode.\n")
    print("| model | view consistent | fory177 consistent | ratio | view compat | fory177 compat | ratio |")
    print("|---|--:|--:|--:|--:|--:|--:|")
    for m in MODELS:
        g = f"{m}/de"
        vc, pc = res.get((g, "ours_view_consistent")), res.get((g, "fory177_consistent"))
        vm, pm = res.get((g, "ours_view_compat")), res.get((g, "fory177_compat"))
        if vc is None and vm is None:
            continue
        print(f"| {m} | {fmt(vc)} | {fmt(pc)} | {ratio(vc, pc)} | {fmt(vm)} | {fmt(pm)} | {ratio(vm, pm)} |")

if any(g.startswith("f64_1M/") for g, _ in res):
    print("\n`Vec<f64>`, 1 Mi elements (8 MiB). Ratio = ours / fory177 in the same mode and position")
    print("(`field` is compared with fory177's `#[fory(array)]` field, its fastest field form).\n")
    print("| position | mode | dir | ours | fory177 | ratio | fory177 default field | memcpy |")
    print("|---|---|---|--:|--:|--:|--:|--:|")
    for pos in ["root", "field"]:
        for mode in ["consistent", "compat"]:
            for d in DIRS:
                g = f"f64_1M/{d}"
                o = res.get((g, f"ours_{mode}_{pos}"))
                p = res.get((g, f"fory177_{mode}_{pos}_array" if pos == "field" else f"fory177_{mode}_{pos}"))
                pd = res.get((g, f"fory177_{mode}_field")) if pos == "field" else None
                mc = res.get((g, "memcpy"))
                print(f"| {pos} | {mode} | {d} | {fmt(o)} | {fmt(p)} | {ratio(o, p)} | {fmt(pd)} | {fmt(mc)} |")

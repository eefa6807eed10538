"""Python's own pickle on the data of benches/pickle.rs, as a reference.

    python fory-pickle/benches/pickle_bench.py [MIB_PER_ARRAY ...]   (default 1 8)

A dict of ten float64 arrays; medians of 10 runs of pickle.dumps / pickle.loads,
protocol 5, in-band and out-of-band (buffer_callback=bufs.append, buffers=bufs).
"""
import pickle
import statistics
import sys
import time

import numpy as np


def median_ms(fn, runs=10):
    fn()
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times) * 1e3


def main():
    sizes = [int(x) for x in sys.argv[1:]] or [1, 8]
    print("| benchmark | " + " | ".join("%d MiB/array" % m for m in sizes) + " |")
    print("|---|" + "---|" * len(sizes))
    rows = {}
    for mib in sizes:
        n = (mib << 20) // 8
        value = {"col%d" % k: np.arange(n, dtype=np.float64) * (k + 1) * 0.5 for k in range(10)}
        bufs = []
        oob = pickle.dumps(value, protocol=5, buffer_callback=bufs.append)
        inband = pickle.dumps(value, protocol=5)

        def dumps_oob():
            b = []
            pickle.dumps(value, protocol=5, buffer_callback=b.append)

        rows.setdefault("python dumps_oob", []).append(median_ms(dumps_oob))
        rows.setdefault("python dumps_inband", []).append(median_ms(lambda: pickle.dumps(value, protocol=5)))
        rows.setdefault("python loads_oob", []).append(median_ms(lambda: pickle.loads(oob, buffers=bufs)))
        rows.setdefault("python loads_inband", []).append(median_ms(lambda: pickle.loads(inband)))
        rows.setdefault("stream bytes (oob / in-band)", []).append("%d / %d" % (len(oob), len(inband)))
    for name, vals in rows.items():
        cells = [v if isinstance(v, str) else "%.3f ms" % v for v in vals]
        print("| %s | %s |" % (name, " | ".join(cells)))


if __name__ == "__main__":
    main()

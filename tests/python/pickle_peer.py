"""Python side of the fory-pickle interop tests.

    python pickle_peer.py gen DIR     # pickle every case into DIR (+ manifest.json)
    python pickle_peer.py ndgen DIR   # arrays for fory-pickle's ndarray feature (+ nd_manifest.json)
    python pickle_peer.py check DIR   # load what Rust wrote into DIR (rust.json), compare
    python pickle_peer.py tofory DIR  # read `fory pickle to-fory` output (tofory.json) with pyfory

`gen` writes CASE.pkl and CASE.bufK.bin (out-of-band buffers in NEXT_BUFFER
order) for plain values and numpy arrays of every numeric dtype, C/F/K order,
0-d, read-only, big-endian, in-band and out-of-band, protocols 2 to 5, and the
numpy 1.x (`numpy.core`) spelling. manifest.json describes the expected value
of each case in a language-neutral tagged JSON.

`ndgen` writes out-of-band arrays of every numeric dtype in C, F and K
order, 0-d, empty and big-endian ones, described in nd_manifest.json (the
tagged expectation plus numpy's byte strides and order).

`check` reads rust.json, loads every stream Rust wrote with
`pickle.loads(data, buffers=[bytearray ...])` through an Unpickler whose
`find_class` only allows numpy's array and dtype reconstructors, compares the
result with the original Python value (for re-encodings of `gen` cases) or
with the tagged expectation (for arrays built in Rust), and checks
`np.shares_memory` between every array and the buffers for out-of-band
streams. The last line is `N passed, M failed`.
"""
import io
import json
import math
import os
import pickle
import pickletools
import sys
import warnings

import numpy as np

warnings.simplefilter("ignore", DeprecationWarning)

NUMERIC = ["?", "i1", "i2", "i4", "i8", "u1", "u2", "u4", "u8", "f2", "f4", "f8", "c8", "c16"]


def arr(dtype, shape=(3, 4)):
    n = int(np.prod(shape))
    dt = np.dtype(dtype)
    if dt.kind == "b":
        a = (np.arange(n) % 3 == 0)
    elif dt.kind == "c":
        a = np.arange(n) * (1.5 - 0.5j)
    elif dt.kind == "f":
        a = np.arange(n) * 0.75 - 2
    elif dt.kind == "i":
        a = np.arange(n) * 37 - 100
    else:
        a = np.arange(n) * 37
    return a.astype(dt).reshape(shape)


def readonly(a):
    a = a.copy()
    a.flags.writeable = False
    return a


def cases():
    """(name, object, mode, protocol) with mode 'oob' (bufs.append) or 'inband'."""
    out = []
    x = [1, 2]
    values = {
        "none": None,
        "bools": [True, False],
        "ints": [0, 1, 255, 256, 65535, 65536, -1, -300, 2**31 - 1, -(2**31), 2**31,
                 2**63 - 1, -(2**63), 2**64, 2**70, -(2**100), 10**80],
        "floats": [0.0, -0.0, 1.25, -1e300, math.inf, -math.inf, 5e-324],
        "strs": ["", "a", "h\u00e9llo \u2603", "\U0001f600", "x" * 300],
        "bytes": [b"", b"\x00\x01\x02", b"y" * 300],
        "bytearray": bytearray(b"\xff\xfe\x00"),
        "tuples": [(), (1,), (1, 2), (1, 2, 3), (1, 2, 3, 4, 5), ((), ((),))],
        "nested": {"k": [None, (True,)], "d": {"x": {"y": [1.5]}}, (1, "t"): "tuple key",
                   2.5: "float key", None: "none key", b"b": "bytes key", frozenset({1, 2}): 3},
        "set": {1, 2, 3, "a", (4, 5)},
        "frozenset": frozenset({"p", "q"}),
        "long_list": list(range(2500)),
        "long_dict": {"k%d" % i: i for i in range(1500)},
        "big_set": set(range(1200)),
        "shared_refs": [x, x, {"x": x}],
        "pb_readonly": pickle.PickleBuffer(b"readonly-bytes"),
        "pb_writable": pickle.PickleBuffer(bytearray(b"writable-bytearray")),
    }
    for name, v in values.items():
        out.append(("value_" + name, v, "oob", 5))
    out.append(("value_pb_inband", [pickle.PickleBuffer(b"ro"), pickle.PickleBuffer(bytearray(b"rw"))],
                "inband", 5))

    for dt in NUMERIC:
        tag = dt.replace("?", "b1")
        out.append(("np_%s_c" % tag, arr(dt), "oob", 5))
    for dt in ["f4", "i2", "c16", "?"]:
        tag = dt.replace("?", "b1")
        out.append(("np_%s_f" % tag, np.asfortranarray(arr(dt)), "oob", 5))
    out.append(("np_u1_k", arr("u1", (2, 3, 4)).transpose(1, 0, 2), "oob", 5))
    out.append(("np_f8_k", arr("f8", (2, 3, 4)).transpose(2, 0, 1), "oob", 5))
    out.append(("np_f8_0d", np.array(3.25), "oob", 5))
    out.append(("np_i4_0d_inband", np.array(-7, dtype="i4"), "inband", 5))
    out.append(("np_f8_1d", arr("f8", (8,)), "oob", 5))
    out.append(("np_f8_empty", np.zeros((0, 3)), "oob", 5))
    out.append(("np_f8_readonly", readonly(arr("f8")), "oob", 5))
    out.append(("np_f8_readonly_inband", readonly(arr("f8")), "inband", 5))
    out.append(("np_f8_inband", arr("f8"), "inband", 5))
    out.append(("np_f4_f_inband", np.asfortranarray(arr("f4")), "inband", 5))
    out.append(("np_i2_noncontig", arr("i2", (4, 6))[:, ::2], "oob", 5))
    out.append(("np_f8_reversed", arr("f8", (5,))[::-1], "oob", 5))
    for dt in [">f8", ">i4", ">c8", ">u2"]:
        out.append(("np_be_%s" % dt[1:], arr(dt), "oob", 5))
    dt_be = np.dtype(">f8")
    out.append(("np_shared_dtype_pair", [np.arange(3, dtype=dt_be), np.arange(2, dtype=dt_be)], "oob", 5))
    a = arr("f8", (2, 2))
    out.append(("np_same_array_twice", [a, a], "oob", 5))
    out.append(("np_dict_of_arrays", {"a": arr("f8"), "b": arr("i4", (5,)), "c": np.asfortranarray(arr("u2")),
                                      "meta": {"n": 3, "name": "x"}}, "oob", 5))
    out.append(("np_list_of_arrays_inband", [arr("f4"), arr("i8", (2,))], "inband", 5))
    for proto in (2, 3, 4):
        out.append(("proto%d_array" % proto, arr("f8"), "inband", proto))
        out.append(("proto%d_values" % proto, {"s": {1, 2}, "b": b"\x00\xffz", "ba": bytearray(b"ab"),
                                              "f": frozenset({3}), "t": (1, [2])}, "inband", proto))
    return out


class Custom:
    def __init__(self):
        self.x = 1


def reject_cases():
    """Real Python output the Rust reader must refuse: (name, object, error variant)."""
    return [
        ("reject_structured", np.zeros(3, dtype=[("x", "<i4"), ("y", "<f8")]), "UnsupportedDtype"),
        ("reject_object_array", np.array([1, "two", None], dtype=object), "UnsupportedDtype"),
        ("reject_datetime", np.array(["2024-01-01"], dtype="M8[ns]"), "UnsupportedDtype"),
        ("reject_unicode_array", np.array(["ab", "c"]), "UnsupportedDtype"),
        ("reject_longdouble", np.zeros(2, dtype=np.longdouble), "UnsupportedDtype"),
        ("reject_os_system", os.system, "GlobalNotAllowed"),
        ("reject_class_instance", Custom(), "GlobalNotAllowed"),
        ("reject_numpy_scalar", np.float64(1.5), "GlobalNotAllowed"),
        ("reject_eval", eval, "GlobalNotAllowed"),
    ]


def legacy_spelling(data):
    """numpy 2 output rewritten to numpy 1.x's module names, without frames."""
    ops = list(pickletools.genops(data))
    ends = [pos for _, _, pos in ops[1:]] + [len(data)]
    out = io.BytesIO()
    for (opcode, arg, pos), end in zip(ops, ends):
        if opcode.name == "FRAME":
            continue
        if opcode.name == "SHORT_BINUNICODE" and arg in ("numpy._core.numeric", "numpy._core.multiarray"):
            b = arg.replace("numpy._core", "numpy.core").encode()
            out.write(opcode.code.encode("latin-1") + bytes([len(b)]) + b)
        else:
            out.write(data[pos:end])
    return out.getvalue()


def tagged(v):
    if v is None:
        return {"t": "none"}
    if isinstance(v, bool):
        return {"t": "bool", "v": v}
    if isinstance(v, int):
        return {"t": "int", "v": str(v)}
    if isinstance(v, float):
        return {"t": "float", "hex": v.hex()}
    if isinstance(v, str):
        return {"t": "str", "v": v}
    if isinstance(v, bytes):
        return {"t": "bytes", "hex": v.hex()}
    if isinstance(v, bytearray):
        return {"t": "bytearray", "hex": bytes(v).hex()}
    if isinstance(v, pickle.PickleBuffer):
        m = v.raw()
        return {"t": "buffer", "readonly": m.readonly, "hex": m.tobytes().hex()}
    if isinstance(v, list):
        return {"t": "list", "items": [tagged(x) for x in v]}
    if isinstance(v, tuple):
        return {"t": "tuple", "items": [tagged(x) for x in v]}
    if isinstance(v, frozenset):
        return {"t": "frozenset", "items": [tagged(x) for x in v]}
    if isinstance(v, set):
        return {"t": "set", "items": [tagged(x) for x in v]}
    if isinstance(v, dict):
        return {"t": "dict", "items": [[tagged(k), tagged(x)] for k, x in v.items()]}
    if isinstance(v, np.ndarray):
        return {"t": "ndarray", "dtype": v.dtype.str, "shape": list(v.shape),
                "c_hex": np.ascontiguousarray(v).tobytes().hex(), "readonly": not v.flags.writeable}
    raise TypeError(type(v))


def gen(outdir):
    os.makedirs(outdir, exist_ok=True)
    manifest = []

    def write(name, data, bufs, obj, mode, proto):
        with open(os.path.join(outdir, name + ".pkl"), "wb") as f:
            f.write(data)
        files = []
        for k, pb in enumerate(bufs):
            m = pb.raw()
            fn = "%s.buf%d.bin" % (name, k)
            with open(os.path.join(outdir, fn), "wb") as f:
                f.write(m)
            files.append({"file": fn, "readonly": m.readonly})
        manifest.append({"name": name, "stream": name + ".pkl", "buffers": files, "mode": mode,
                         "protocol": proto, "expected": tagged(obj)})

    for name, obj, mode, proto in cases():
        bufs = []
        if mode == "oob":
            data = pickle.dumps(obj, protocol=proto, buffer_callback=bufs.append)
        else:
            data = pickle.dumps(obj, protocol=proto)
        write(name, data, bufs, obj, mode, proto)
        if name in ("np_f8_c", "np_f4_f", "np_f8_readonly", "np_i2_noncontig", "np_dict_of_arrays"):
            write(name + "_numpy1", legacy_spelling(data), bufs, obj, mode, proto)
    rejects = []
    for name, obj, error in reject_cases():
        bufs = []
        data = pickle.dumps(obj, protocol=5, buffer_callback=bufs.append)
        with open(os.path.join(outdir, name + ".pkl"), "wb") as f:
            f.write(data)
        files = []
        for k, pb in enumerate(bufs):
            fn = "%s.buf%d.bin" % (name, k)
            with open(os.path.join(outdir, fn), "wb") as f:
                f.write(pb.raw())
            files.append({"file": fn})
        rejects.append({"name": name, "stream": name + ".pkl", "buffers": files, "error": error})
    with open(os.path.join(outdir, "manifest.json"), "w") as f:
        json.dump({"numpy": np.__version__, "cases": manifest, "rejects": rejects}, f, indent=1)
    print("wrote %d cases to %s" % (len(manifest), outdir))


def nd_cases():
    """(name, array, order tag, native twin) for the ndarray feature's tests."""
    out = []
    for dt in NUMERIC:
        tag = dt.replace("?", "b1")
        out.append(("nd_%s_c" % tag, arr(dt), "C", None))
        out.append(("nd_%s_f" % tag, np.asfortranarray(arr(dt)), "F", None))
        out.append(("nd_%s_k" % tag, arr(dt, (2, 3, 4)).transpose(2, 0, 1), "K", None))
    out.append(("nd_f8_1d", arr("f8", (8,)), "C", None))
    out.append(("nd_f8_0d", np.array(3.25), "0d", None))
    out.append(("nd_i4_0d", np.array(-7, dtype="i4"), "0d", None))
    out.append(("nd_c16_0d", np.array(1.5 - 2j), "0d", None))
    out.append(("nd_b1_0d", np.array(True), "0d", None))
    out.append(("nd_f8_empty", np.zeros((0, 3)), "empty", None))
    out.append(("nd_i2_empty_f", np.zeros((0, 3), dtype="i2", order="F"), "empty", None))
    out.append(("nd_u4_empty_k", np.zeros((2, 0, 4), dtype="u4").transpose(1, 2, 0), "empty", None))
    for dt in [">f8", ">i4", ">c8", ">u2", ">f2"]:
        tag = dt[1:]
        out.append(("nd_be_%s_c" % tag, arr(dt), "C", "nd_%s_c" % tag))
        out.append(("nd_be_%s_f" % tag, np.asfortranarray(arr(dt)), "F", "nd_%s_f" % tag))
        out.append(("nd_be_%s_k" % tag, arr(dt, (2, 3, 4)).transpose(2, 0, 1), "K", "nd_%s_k" % tag))
    return out


def ndgen(outdir):
    os.makedirs(outdir, exist_ok=True)
    manifest = []
    for name, a, order, twin in nd_cases():
        bufs = []
        data = pickle.dumps(a, protocol=5, buffer_callback=bufs.append)
        if len(bufs) != 1:
            raise AssertionError("%s: numpy pickled it in-band" % name)
        with open(os.path.join(outdir, name + ".pkl"), "wb") as f:
            f.write(data)
        fn = name + ".buf0.bin"
        with open(os.path.join(outdir, fn), "wb") as f:
            f.write(bufs[0].raw())
        e = tagged(a)
        e.update(strides=list(a.strides), order=order, twin=twin,
                 c_contiguous=bool(a.flags.c_contiguous), f_contiguous=bool(a.flags.f_contiguous))
        manifest.append({"name": name, "stream": name + ".pkl", "buffers": [fn], "expected": e})
    with open(os.path.join(outdir, "nd_manifest.json"), "w") as f:
        json.dump({"numpy": np.__version__, "cases": manifest}, f, indent=1)
    print("wrote %d cases to %s" % (len(manifest), outdir))


ALLOWED = {
    ("numpy._core.numeric", "_frombuffer"), ("numpy.core.numeric", "_frombuffer"),
    ("numpy", "ndarray"), ("numpy", "dtype"),
}


class AllowListUnpickler(pickle.Unpickler):
    """What a careful Python consumer of Rust output would use."""

    def find_class(self, module, name):
        if (module, name) not in ALLOWED:
            raise pickle.UnpicklingError("global %s.%s is not allowed" % (module, name))
        return super().find_class(module, name)


def restricted_loads(data, buffers):
    return AllowListUnpickler(io.BytesIO(data), buffers=buffers).load()


def same(a, b):
    """Python equality that also compares arrays, buffers and float bits."""
    if isinstance(b, pickle.PickleBuffer):
        m = b.raw()
        return bytes(memoryview(a)) == m.tobytes() and memoryview(a).readonly == m.readonly
    if isinstance(b, np.ndarray):
        return (isinstance(a, np.ndarray) and a.dtype == b.dtype and a.shape == b.shape
                and np.ascontiguousarray(a).tobytes() == np.ascontiguousarray(b).tobytes()
                and a.flags.writeable == b.flags.writeable)
    if isinstance(b, (list, tuple)):
        return type(a) is type(b) and len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(b, dict):
        return type(a) is dict and list(a) == list(b) and all(same(a[k], b[k]) for k in b)
    if isinstance(b, float):
        return type(a) is float and a.hex() == b.hex()
    return type(a) is type(b) and a == b


def arrays_in(v):
    if isinstance(v, np.ndarray):
        yield v
    elif isinstance(v, (list, tuple, set, frozenset)):
        for x in v:
            yield from arrays_in(x)
    elif isinstance(v, dict):
        for x in v.values():
            yield from arrays_in(x)


def check_expect(v, e):
    t = e["t"]
    if t == "ndarray":
        ok = (isinstance(v, np.ndarray) and v.dtype.str == e["dtype"] and list(v.shape) == e["shape"]
              and np.ascontiguousarray(v).tobytes().hex() == e["c_hex"])
        if "f_contiguous" in e:
            ok = ok and v.flags.f_contiguous == e["f_contiguous"]
        if "c_contiguous" in e:
            ok = ok and v.flags.c_contiguous == e["c_contiguous"]
        if "readonly" in e:
            ok = ok and (not v.flags.writeable) == e["readonly"]
        if "strides" in e:
            ok = ok and list(v.strides) == e["strides"]
        return ok
    if t == "list":
        return isinstance(v, list) and len(v) == len(e["items"]) and all(
            check_expect(x, y) for x, y in zip(v, e["items"]))
    if t == "dict":
        return isinstance(v, dict) and len(v) == len(e["items"]) and all(
            k == ek["v"] and check_expect(v[k], ev) for k, (ek, ev) in zip(v, e["items"]))
    raise ValueError(t)


def original(originals, name):
    """The Python object of a gen case (`_numpy1` variants share their source's)."""
    return originals[name[:-len("_numpy1")] if name.endswith("_numpy1") else name]


def check(d):
    with open(os.path.join(d, "rust.json")) as f:
        rust = json.load(f)
    originals = {name: obj for name, obj, _, _ in cases()}
    passed = failed = 0
    for c in rust["cases"]:
        problems = []
        try:
            with open(os.path.join(d, c["stream"]), "rb") as f:
                data = f.read()
            bufs = []
            for fn in c["buffers"]:
                with open(os.path.join(d, fn), "rb") as f:
                    bufs.append(bytearray(f.read()))
            out = restricted_loads(data, bufs)
            if "case" in c:
                orig = original(originals, c["case"])
                if not same(out, orig):
                    problems.append("value differs: %r" % (out,))
            else:
                if not check_expect(out, c["expect"]):
                    problems.append("value differs from the expectation: %r" % (out,))
            if c.get("zero_copy"):
                for a in arrays_in(out):
                    if a.size and not any(np.shares_memory(a, np.frombuffer(b, dtype=np.uint8)) for b in bufs):
                        problems.append("an array does not share memory with the buffers")
        except Exception as e:  # noqa: BLE001 - report every failure, keep going
            problems.append("%s: %s" % (type(e).__name__, e))
        if problems:
            failed += 1
            print("FAIL %s: %s" % (c["stream"], "; ".join(problems)))
        else:
            passed += 1
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


def from_fory(v):
    """Rebuilds the arrays of a `to-fory` value (maps with kind numpy.ndarray)."""
    if isinstance(v, dict):
        if v.get("kind") == "numpy.ndarray":
            if v["version"] != 1:
                raise ValueError("unknown array payload version %r" % v["version"])
            return np.ndarray(tuple(v["shape"]), np.dtype(v["dtype"]), buffer=v["data"],
                              offset=v["offset"], strides=tuple(v["strides"]))
        return {k: from_fory(x) for k, x in v.items()}
    if isinstance(v, list):
        return [from_fory(x) for x in v]
    return v


def tofory(d):
    """pyfory reads what `fory pickle to-fory` wrote; arrays equal the originals."""
    import pyfory

    with open(os.path.join(d, "tofory.json")) as f:
        todo = json.load(f)
    originals = {name: obj for name, obj, _, _ in cases()}
    passed = failed = 0
    for c in todo["cases"]:
        try:
            with open(os.path.join(d, c["stream"]), "rb") as f:
                data = f.read()
            bufs = []
            for fn in c["buffers"]:
                with open(os.path.join(d, fn), "rb") as f:
                    bufs.append(memoryview(bytearray(f.read())))
            fory = pyfory.Fory(xlang=True, ref=False)
            out = from_fory(fory.deserialize(data, buffers=bufs if data[0] & 2 else None))
            orig = original(originals, c["case"])
            ok = all(np.array_equal(a, b) and a.dtype == b.dtype and a.shape == b.shape
                     for a, b in zip(arrays_in(out), arrays_in(orig)))
            ok = ok and len(list(arrays_in(out))) == len(list(arrays_in(orig)))
        except Exception as e:  # noqa: BLE001
            ok = False
            print("FAIL %s: %s: %s" % (c["stream"], type(e).__name__, e))
        if ok:
            passed += 1
        else:
            failed += 1
            print("FAIL %s" % c["stream"])
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


def main():
    if len(sys.argv) != 3 or sys.argv[1] not in ("gen", "ndgen", "check", "tofory"):
        sys.exit(__doc__)
    if sys.argv[1] == "gen":
        gen(sys.argv[2])
    elif sys.argv[1] == "ndgen":
        ndgen(sys.argv[2])
    elif sys.argv[1] == "check":
        sys.exit(check(sys.argv[2]))
    else:
        sys.exit(tofory(sys.argv[2]))


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""numpy arrays as fory-rs's ``fory.ndarray`` extension type, for pyfory 1.7.7 (xlang).

pyfory's xlang mode writes only one-dimensional numpy arrays (as the dense ``*_ARRAY``
types) and raises ``NotImplementedError`` for anything else. This module registers the
named extension type ``fory.ndarray`` that the Rust crate ``fory-ndarray`` reads and
writes (format: ``docs/ndarray-format.md``), so n-dimensional numpy arrays of every
supported dtype and order cross between Rust and Python, their data as a buffer object
that can go out-of-band::

    import pyfory, numpy as np
    import fory_ndarray

    f = pyfory.Fory(xlang=True, ref=False)
    fory_ndarray.register(f)                 # n-D arrays; 1-D stay dense *_ARRAY
    bufs = []
    data = f.serialize(np.ones((3, 4)), buffer_callback=bufs.append)
    arr = f.deserialize(data, buffers=[b.getbuffer() for b in bufs])
    assert np.shares_memory(arr, bufs[0].getbuffer())     # no copy on either side

``register(f, one_d="ext")`` sends one-dimensional arrays as the extension too (so they can
go out-of-band). Reading always accepts both forms; pyfory itself reads dense arrays as its
``Float64Array``-style wrappers.

Zero copy: writing a C- or F-contiguous array hands its own memory to the buffer callback
(``getbuffer()`` is a view); other arrays are gathered once. Reading returns
``np.frombuffer`` over the buffer it was given (out-of-band) or over the stream
(in-band), reshaped without copying.

bfloat16: numpy has no bfloat16 dtype. With ``ml_dtypes`` installed, bfloat16 arrays are
``ml_dtypes.bfloat16`` numpy arrays; without it they are :class:`BFloat16NDArray`, a thin
wrapper around the raw ``uint16`` bits (write one to send bfloat16 data).

The module also runs as a test peer for fory-ndarray's Rust tests::

    fory_ndarray.py write DIR [--compatible 0|1] [--one-d ext|dense]
        write every case (dtype x shape x order x placement) with a manifest DIR/cases.json
    fory_ndarray.py check DIR [--compatible 0|1]
        read DIR's cases (written by Rust) and check values, dtype, order and memory sharing
    fory_ndarray.py selftest
        write and check in Python only, every mode
"""

import json
import os
import sys

import numpy as np

try:
    import pyfory
    from pyfory.serializer import Serializer
except ImportError:  # pragma: no cover - environment problem
    sys.exit("fory_ndarray.py needs pyfory 1.7.7: create the venv with tests/python/setup_venv.sh")

try:  # optional: a real numpy bfloat16 dtype
    import ml_dtypes  # type: ignore

    BFLOAT16_DTYPE = np.dtype(ml_dtypes.bfloat16)
except ImportError:
    ml_dtypes = None
    BFLOAT16_DTYPE = None

NAME = "fory.ndarray"
VERSION = 1
ORDER_C = 0
ORDER_F = 1
MAX_NDIM = 64

# element type code (the xlang type id of the scalar) -> numpy dtype (little-endian)
CODE_TO_DTYPE = {
    1: np.dtype("?"),
    2: np.dtype("i1"),
    3: np.dtype("<i2"),
    4: np.dtype("<i4"),
    6: np.dtype("<i8"),
    9: np.dtype("u1"),
    10: np.dtype("<u2"),
    11: np.dtype("<u4"),
    13: np.dtype("<u8"),
    17: np.dtype("<f2"),
    19: np.dtype("<f4"),
    20: np.dtype("<f8"),
}
BFLOAT16_CODE = 18
DTYPE_TO_CODE = {dt.newbyteorder("="): code for code, dt in CODE_TO_DTYPE.items()}
DTYPE_NAMES = {
    1: "bool", 2: "int8", 3: "int16", 4: "int32", 6: "int64", 9: "uint8", 10: "uint16",
    11: "uint32", 13: "uint64", 17: "float16", 18: "bfloat16", 19: "float32", 20: "float64",
}
NAME_TO_CODE = {v: k for k, v in DTYPE_NAMES.items()}


class BFloat16NDArray:
    """A bfloat16 array without ``ml_dtypes``: ``bits`` is a ``uint16`` ndarray of the raw
    bit patterns (shape and memory order are the array's)."""

    __slots__ = ("bits",)

    def __init__(self, bits):
        bits = np.asarray(bits)
        if bits.dtype != np.uint16:
            raise TypeError(f"BFloat16NDArray needs uint16 bits, got {bits.dtype}")
        self.bits = bits

    @classmethod
    def from_float32(cls, values):
        """Rounds float32 values to bfloat16 (round to nearest even)."""
        v = np.ascontiguousarray(values, dtype=np.float32)
        u = v.view(np.uint32).astype(np.uint64)
        rounded = ((u + 0x7FFF + ((u >> 16) & 1)) >> 16).astype(np.uint16)
        return cls(rounded)

    def to_float32(self):
        return (self.bits.astype(np.uint32) << 16).view(np.float32)

    @property
    def shape(self):
        return self.bits.shape

    @property
    def ndim(self):
        return self.bits.ndim

    def __eq__(self, other):
        return isinstance(other, BFloat16NDArray) and np.array_equal(self.bits, other.bits)

    def __repr__(self):
        return f"BFloat16NDArray(shape={self.bits.shape}, bits={self.bits!r})"


def _code_of(arr):
    """(code, raw numpy array of the element bytes) of a numpy array or BFloat16NDArray."""
    if isinstance(arr, BFloat16NDArray):
        return BFLOAT16_CODE, arr.bits
    dt = arr.dtype
    if BFLOAT16_DTYPE is not None and dt == BFLOAT16_DTYPE:
        return BFLOAT16_CODE, arr
    code = DTYPE_TO_CODE.get(dt.newbyteorder("=")) if dt.byteorder in "=<|" else None
    if code is None:
        if dt.byteorder == ">" and DTYPE_TO_CODE.get(dt.newbyteorder("=")) is not None:
            return DTYPE_TO_CODE[dt.newbyteorder("=")], arr.astype(dt.newbyteorder("<"))
        raise NotImplementedError(f"fory.ndarray: unsupported dtype {dt}")
    if sys.byteorder == "big" and dt.itemsize > 1:
        arr = arr.astype(dt.newbyteorder("<"))
    return code, arr


def _layout(arr):
    """(order code, a 1-D uint8 view of the data in that order, or None when it must be gathered)."""
    if arr.ndim <= 1 or arr.flags.c_contiguous:
        order = ORDER_C
    elif arr.flags.f_contiguous:
        order = ORDER_F
    else:
        return ORDER_C, None
    if arr.size == 0:
        return order, np.empty(0, np.uint8)
    if arr.ndim <= 1 and not arr.flags.c_contiguous:
        return ORDER_C, None
    flat = arr.reshape(-1, order="F" if order == ORDER_F else "C")  # a view: contiguous
    return order, flat.view(np.uint8)


class NDArrayBufferObject:
    """The data of one array as a pyfory buffer object. ``getbuffer()`` is a view of the
    array's own memory when it is contiguous in C or F order (gathered once otherwise)."""

    __slots__ = ("array", "order", "_bytes")

    def __init__(self, array, order, contiguous_bytes):
        self.array = array
        self.order = order
        self._bytes = contiguous_bytes

    def _data(self):
        if self._bytes is None:
            # gathered once, in C order
            self._bytes = np.ascontiguousarray(self.array).reshape(-1).view(np.uint8)
        return self._bytes

    def total_bytes(self):
        return self.array.size * self.array.itemsize

    def write_to(self, stream):
        data = self._data()
        if hasattr(stream, "write_buffer"):
            stream.write_buffer(data)
        else:
            stream.write(memoryview(data))

    def getbuffer(self):
        return memoryview(self._data())

    def raw(self):
        return self.getbuffer()


def _var_uint32_len(v):
    n = 1
    while v >= 0x80 and n < 5:
        v >>= 7
        n += 1
    return n


def write_payload(write_context, arr):
    """Writes the fory.ndarray body (after its type meta) for a numpy array or BFloat16NDArray."""
    code, raw = _code_of(arr)
    if raw.ndim > MAX_NDIM:
        raise ValueError(f"fory.ndarray: {raw.ndim} dimensions (at most {MAX_NDIM})")
    order, data = _layout(raw)
    itemsize = raw.itemsize
    nbytes = raw.size * itemsize
    write_context.write_uint8(VERSION)
    write_context.write_uint8(code)
    write_context.write_uint8(order)
    write_context.write_var_uint32(raw.ndim)
    for dim in raw.shape:
        write_context.write_var_uint64(dim)
    # padding: in-band data at a stream offset that is a multiple of the element size
    flag = 1 if write_context.buffer_callback is not None else 0
    data_at = write_context.get_writer_index() + 1 + flag + _var_uint32_len(nbytes)
    pad = (itemsize - data_at % itemsize) % itemsize
    write_context.write_uint8(pad)
    for _ in range(pad):
        write_context.write_uint8(0)
    write_context.write_buffer_object(NDArrayBufferObject(raw, order, data))


class FormatError(ValueError):
    """A fory.ndarray payload that this reader rejects."""


def _as_uint8(buf):
    """A uint8 numpy view of any buffer-protocol object (bytes, memoryview, pyfory Buffer, mmap)."""
    if isinstance(buf, np.ndarray):
        return buf.reshape(-1).view(np.uint8)
    return np.frombuffer(buf, dtype=np.uint8)


def read_payload(read_context):
    """Reads a fory.ndarray body; returns a numpy array sharing memory with the buffer it came from."""
    version = read_context.read_uint8()
    if version != VERSION:
        raise FormatError(f"fory.ndarray payload version {version} is not supported (this reader knows {VERSION})")
    code = read_context.read_uint8()
    if code != BFLOAT16_CODE and code not in CODE_TO_DTYPE:
        raise FormatError(f"fory.ndarray: unknown element type code {code}")
    order = read_context.read_uint8()
    if order not in (ORDER_C, ORDER_F):
        raise FormatError(f"fory.ndarray: invalid order byte {order}")
    ndim = read_context.read_var_uint32()
    if ndim > MAX_NDIM:
        raise FormatError(f"fory.ndarray: ndim {ndim} exceeds {MAX_NDIM}")
    shape = tuple(read_context.read_var_uint64() for _ in range(ndim))
    pad = read_context.read_uint8()
    if pad >= 8:
        raise FormatError(f"fory.ndarray: padding length {pad}")
    if pad:
        read_context.read_bytes(pad)
    itemsize = 2 if code == BFLOAT16_CODE else CODE_TO_DTYPE[code].itemsize
    count = 1
    for dim in shape:
        count *= dim
    if count * itemsize > sys.maxsize:
        raise FormatError(f"fory.ndarray: shape {shape} overflows")
    data = _as_uint8(read_context.read_buffer_object())
    if data.size != count * itemsize:
        raise FormatError(f"fory.ndarray: {data.size} data bytes for shape {shape} x {itemsize}")
    np_order = "F" if order == ORDER_F else "C"
    if code == BFLOAT16_CODE:
        if BFLOAT16_DTYPE is not None:
            return data.view(BFLOAT16_DTYPE).reshape(shape, order=np_order)
        return BFloat16NDArray(data.view("<u2").reshape(shape, order=np_order))
    dtype = CODE_TO_DTYPE[code]
    arr = data.view(dtype).reshape(shape, order=np_order)
    if code == 1 and arr.size and data.max() > 1:
        raise FormatError("fory.ndarray: bool element byte other than 0 or 1")
    if sys.byteorder == "big" and itemsize > 1:
        arr = arr.astype(dtype.newbyteorder("="))
    return arr


class NDArrayExtSerializer(Serializer):
    """The serializer registered under ``fory.ndarray`` (reads, and writes BFloat16NDArray)."""

    def __init__(self, type_resolver, type_):
        super().__init__(type_resolver, type_)
        self.need_to_write_ref = False
        self.read_data_always_advances = True

    def write(self, write_context, value):
        write_payload(write_context, value)

    def read(self, read_context):
        return read_payload(read_context)


class NumpySerializer(Serializer):
    """Replaces pyfory's serializer of ``numpy.ndarray`` (a dynamic type: the serializer
    writes the type id). One-dimensional arrays of dense dtypes go to pyfory's own
    serializer (``*_ARRAY``) unless ``one_d == "ext"``; everything else is ``fory.ndarray``."""

    def __init__(self, type_resolver, type_, dense, ext_typeinfo, one_d):
        super().__init__(type_resolver, type_)
        self.dense = dense
        self.ext_typeinfo = ext_typeinfo
        self.one_d = one_d
        self.need_to_write_ref = dense.need_to_write_ref
        self.read_data_always_advances = True

    def write(self, write_context, value):
        if self.one_d == "dense" and value.ndim == 1 and value.dtype in DTYPE_TO_CODE:
            self.dense.write(write_context, value)
            return
        write_context.type_resolver.write_type_info(write_context, self.ext_typeinfo)
        write_payload(write_context, value)

    def read(self, read_context):  # pragma: no cover - dynamic types are read by their wire type
        return self.dense.read(read_context)


def register(fory, one_d="dense"):
    """Registers ``fory.ndarray`` with a pyfory ``Fory(xlang=True)`` instance.

    one_d: ``"dense"`` (default) writes one-dimensional arrays as pyfory does (dense
    ``*_ARRAY``, in-band); ``"ext"`` writes them as the extension (buffer objects).

    Lists and dicts of numpy arrays: with ``"ext"`` pyfory writes them correctly (the
    element type meta once). With ``"dense"``, numpy arrays stay a "dynamic" pyfory type
    (1-D dense, n-D extension) and pyfory 1.7.7 writes a list of two or more of them with
    its same-type header but each element's type meta inline: the stream is unreadable,
    as it is for pyfory's own 1-D arrays (vectors ``pybug_list_of_numpy_arrays*``).
    Reading is unaffected: lists written by Rust read fine in both modes.
    """
    if one_d not in ("dense", "ext"):
        raise ValueError(f"one_d must be 'dense' or 'ext', not {one_d!r}")
    ext_typeinfo = fory.register(BFloat16NDArray, name=NAME, serializer=NDArrayExtSerializer)
    resolver = fory.type_resolver
    if fory.compatible and ext_typeinfo.type_def is None:
        # pyfory 1.7.7 builds a named extension's TypeDef lazily on first write and, doing
        # so, replaces the registered serializer with a generic object serializer. Build
        # the TypeDef (kind NAMED_EXT, no fields) up front so the serializer stays.
        from pyfory.meta.typedef_encoder import encode_typedef

        ext_typeinfo.type_def = encode_typedef(resolver, BFloat16NDArray)
    nd_typeinfo = resolver.get_type_info(np.ndarray)
    if one_d == "ext":
        # every numpy array is the extension: make np.ndarray a plain (non-dynamic) named
        # extension type, so pyfory writes its type meta once for a list of arrays
        nd_typeinfo.dynamic_type = False
        nd_typeinfo.type_id = ext_typeinfo.type_id
        nd_typeinfo.user_type_id = ext_typeinfo.user_type_id
        nd_typeinfo.namespace_bytes = ext_typeinfo.namespace_bytes
        nd_typeinfo.typename_bytes = ext_typeinfo.typename_bytes
        nd_typeinfo.type_def = ext_typeinfo.type_def
        nd_typeinfo.serializer = NDArrayExtSerializer(resolver, np.ndarray)
        return fory
    dense = nd_typeinfo.serializer
    if isinstance(dense, NumpySerializer):
        dense = dense.dense
    nd_typeinfo.serializer = NumpySerializer(resolver, np.ndarray, dense, ext_typeinfo, one_d)
    return fory


# ---------------------------------------------------------------------------
# Test peer: the cases the Rust tests exchange with this module
# ---------------------------------------------------------------------------

SHAPES = {
    0: [()],
    1: [(0,), (7,)],
    2: [(0, 3), (3, 4)],
    3: [(2, 3, 4)],
    4: [(2, 1, 3, 2)],
    5: [(1, 2, 1, 3, 2)],
    6: [(2, 1, 2, 1, 2, 3)],
}


def expected_values(name, shape):
    """The deterministic C-order contents both sides build: element i of the flattened
    array. Floats are small multiples of 0.5 (exact in float16/bfloat16)."""
    n = 1
    for d in shape:
        n *= d
    i = np.arange(n, dtype=np.int64)
    if name == "bool":
        flat = (i % 3) == 0
    elif name.startswith("int") or name.startswith("uint"):
        # (i * 37 + 11) truncated to the width, reinterpreted as signed for intN
        width = int(name[4:] if name.startswith("uint") else name[3:]) // 8
        u = i.astype(np.uint64) * np.uint64(37) + np.uint64(11)
        flat = u.astype(f"<u{width}").view(f"<{name[0]}{width}")
    else:
        vals = ((i % 61) - 30) * 0.5
        if name == "bfloat16":
            return BFloat16NDArray.from_float32(vals.astype(np.float32)).bits.reshape(shape)
        flat = vals.astype(name)
    return flat.reshape(shape)


def make_array(name, shape, order):
    values = expected_values(name, shape)
    if order == "F":
        values = np.asfortranarray(values)
    elif order == "strided":
        # non-contiguous: every second element of a larger array, the last axis reversed
        big = np.zeros(tuple(2 * d for d in shape), dtype=values.dtype)
        sl = tuple(slice(None, None, 2) for _ in shape[:-1]) + (slice(None, None, -2),)
        big[sl] = values
        values = big[sl]
    if name == "bfloat16":
        return BFloat16NDArray(values) if BFLOAT16_DTYPE is None else values.view(BFLOAT16_DTYPE)
    return values


def cases():
    for name in DTYPE_NAMES.values():
        for ndim, shapes in SHAPES.items():
            for shape in shapes:
                for order in ("C", "F", "strided"):
                    if (order == "F" and ndim < 2) or (order == "strided" and ndim < 1):
                        continue
                    for placement in ("inband", "oob"):
                        yield {
                            "name": f"{name}_{ndim}d_{'x'.join(map(str, shape)) or 'scalar'}_{order}_{placement}",
                            "dtype": name,
                            "shape": list(shape),
                            "order": order,
                            "placement": placement,
                        }


def new_fory(one_d="ext", compatible=True):
    f = pyfory.Fory(xlang=True, ref=False, compatible=compatible)
    return register(f, one_d=one_d)


def _bits(arr):
    if isinstance(arr, BFloat16NDArray):
        return arr.bits
    if BFLOAT16_DTYPE is not None and arr.dtype == BFLOAT16_DTYPE:
        return arr.view(np.uint16)
    return arr


def to_numpy(value, dtype_name):
    """numpy view of a decoded value: our arrays as they are, pyfory's dense wrappers
    (``Float64Array``...) through their buffer; bfloat16 as its uint16 bits."""
    if isinstance(value, (np.ndarray, BFloat16NDArray)):
        return _bits(value)
    raw = np.asarray(value.to_buffer())
    if dtype_name == "bfloat16":
        return raw.view("<u2")
    if dtype_name == "bool":
        return raw.astype(bool)
    return raw.view(np.dtype(dtype_name))


def write_cases(out_dir, one_d="ext", compatible=True):
    """Writes every case with pyfory (+ this module) to out_dir, with a manifest."""
    os.makedirs(out_dir, exist_ok=True)
    f = new_fory(one_d=one_d, compatible=compatible)
    manifest = []
    for case in cases():
        arr = make_array(case["dtype"], tuple(case["shape"]), case["order"])
        bufs = []
        if case["placement"] == "oob":
            data = f.serialize(arr, buffer_callback=lambda o: bufs.append(o) or False)
        else:
            data = f.serialize(arr)
        with open(os.path.join(out_dir, case["name"] + ".bin"), "wb") as fh:
            fh.write(data)
        for k, b in enumerate(bufs):
            mv = b.getbuffer()
            src = _bits(arr)
            if src.size and case["order"] in ("C", "F") and not np.shares_memory(np.frombuffer(mv, np.uint8), src):
                raise AssertionError(f"{case['name']}: the buffer object copied a contiguous array")
            with open(os.path.join(out_dir, f"{case['name']}.oob.{k}.bin"), "wb") as fh:
                fh.write(mv)
        dense = one_d == "dense" and len(case["shape"]) == 1 and case["dtype"] != "bfloat16"
        wire_order = "F" if _layout(_code_of(arr)[1])[0] == ORDER_F else "C"
        manifest.append(dict(case, buffers=len(bufs), form="dense" if dense else "ext", wire_order=wire_order))
    with open(os.path.join(out_dir, "cases.json"), "w") as fh:
        json.dump(manifest, fh, indent=1)
    print(f"{len(manifest)} written")


def check_cases(in_dir, compatible=True):
    """Reads every case of in_dir/cases.json (written by Rust or by write_cases) and checks
    values, dtype, order and, for out-of-band data, that the array shares the buffer's memory.
    Prints FAIL lines and 'N passed, M failed'."""
    f = new_fory(compatible=compatible)
    with open(os.path.join(in_dir, "cases.json")) as fh:
        manifest = json.load(fh)
    passed = failed = 0
    for case in manifest:
        try:
            with open(os.path.join(in_dir, case["name"] + ".bin"), "rb") as fh:
                data = fh.read()
            bufs = []
            if data[0] & 2:
                for k in range(case["buffers"]):
                    with open(os.path.join(in_dir, f"{case['name']}.oob.{k}.bin"), "rb") as fh:
                        bufs.append(memoryview(bytearray(fh.read())))
                value = f.deserialize(data, buffers=bufs)
            else:
                value = f.deserialize(data)
            want = expected_values(case["dtype"], tuple(case["shape"]))
            got = to_numpy(value, case["dtype"])
            if case.get("form") == "dense" and isinstance(value, (np.ndarray, BFloat16NDArray)):
                raise AssertionError("a dense array came back as the extension")
            if got.shape != want.shape or not np.array_equal(got, want):
                raise AssertionError(f"values differ: got {got!r}, want {want!r}")
            if got.dtype != want.dtype:
                raise AssertionError(f"dtype {got.dtype}, want {want.dtype}")
            if case.get("wire_order") == "F" and got.ndim > 1 and not got.flags.f_contiguous:
                raise AssertionError("F-order data did not come back F-contiguous")
            if bufs and got.size and not np.shares_memory(got, np.frombuffer(bufs[0], np.uint8)):
                raise AssertionError("the array does not share memory with its out-of-band buffer")
            passed += 1
        except Exception as e:  # noqa: BLE001 - report every case
            failed += 1
            print(f"FAIL {case['name']}: {type(e).__name__}: {e}")
    print(f"{passed} passed, {failed} failed")
    return failed == 0


def selftest():
    import tempfile

    ok = True
    for one_d in ("ext", "dense"):
        for compatible in (True, False):
            with tempfile.TemporaryDirectory() as d:
                write_cases(d, one_d=one_d, compatible=compatible)
                ok = check_cases(d, compatible=compatible) and ok
    return ok


def main(argv):
    import argparse

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("command", choices=["write", "check", "selftest"])
    ap.add_argument("dir", nargs="?")
    ap.add_argument("--compatible", type=int, default=1, help="pyfory compatible mode (1, the default) or not (0)")
    ap.add_argument("--one-d", default="ext", choices=["ext", "dense"], help="how `write` sends 1-D arrays")
    args = ap.parse_args(argv)
    if args.command == "selftest":
        return 0 if selftest() else 1
    if args.dir is None:
        ap.error(f"{args.command} needs a directory")
    if args.command == "write":
        write_cases(args.dir, one_d=args.one_d, compatible=bool(args.compatible))
        return 0
    return 0 if check_cases(args.dir, compatible=bool(args.compatible)) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

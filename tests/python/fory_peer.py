#!/usr/bin/env python3
"""Python peer of fory-rs's conformance tests, backed by pyfory 1.7.7 (xlang).

Reads streams of another Fory implementation (or of pyfory itself) back with pyfory and
compares them with the typed-JSON expectations of a manifest (``cases.json``, forms listed
in its ``value_schema``). The classes for its ``types`` table are generated at run time,
so any manifest in this format works, not only the shipped one.

    check DIR [--manifest M] [--quiet] [--only PREFIX]...
        Check DIR/NAME.bin (+ DIR/NAME.oob.K.bin) for every case of M (default
        DIR/cases.json) marked "conformance": true. Prints "PASS name" or
        "FAIL name: reason" per case, then "N passed, M failed"; exit 1 on any failure.
    selftest MANIFEST_DIR
        ``check`` the manifest's own (pyfory-written) vectors; all must pass.
    mutation-selftest MANIFEST_DIR
        Plant errors in copies of some vectors; exit 1 unless ``check`` flags every one.

Per case: the header bitmap (xlang bit set, reserved bits clear, oob bit set iff the
oob_policy is not "none"), the number of oob files, pyfory decodes the stream (buffers
passed iff header bit 1 is set), the value equals ``expected`` (floats by bits with any
NaN matching NaN, sets and maps unordered, ref nodes by object identity), the root type
id, and for top-level scalars an independent decode of the payload with no trailing
bytes. ``reader_view`` cases are decoded again with the reader-side schema.
"""

import argparse
import copy
import dataclasses
import datetime
import decimal
import enum
import json
import math
import os
import re
import shutil
import struct
import sys
import tempfile
import typing

try:
    import pyfory
    from pyfory.type_id import TypeId
except ImportError:  # pragma: no cover - environment problem
    sys.exit("fory_peer.py needs pyfory 1.7.7: create the venv with tests/python/setup_venv.sh")

# ---------------------------------------------------------------------------
# Wire vocabulary: manifest type names -> pyfory annotations and layouts
# ---------------------------------------------------------------------------

# int kind -> (pyfory annotation, byte width of the fixed-width encoding or None, signed)
INT_KINDS = {
    "int8": ("Int8", 1, True), "int16": ("Int16", 2, True), "int32": ("FixedInt32", 4, True),
    "varint32": ("Int32", None, True), "int64": ("FixedInt64", 8, True), "varint64": ("Int64", None, True),
    "tagged_int64": ("TaggedInt64", None, True), "uint8": ("UInt8", 1, False), "uint16": ("UInt16", 2, False),
    "uint32": ("FixedUInt32", 4, False), "var_uint32": ("UInt32", None, False),
    "uint64": ("FixedUInt64", 8, False), "var_uint64": ("UInt64", None, False),
    "tagged_uint64": ("TaggedUInt64", None, False),
}
# float kind -> (pyfory annotation, total bits, exponent bits)
FLOAT_KINDS = {
    "float16": ("Float16", 16, 5), "bfloat16": ("BFloat16", 16, 8),
    "float32": ("Float32", 32, 8), "float64": ("Float64", 64, 11),
}
# dense array element -> (struct code of one element; floats as their bit patterns, pyfory carrier)
ARRAY_ELEMS = {
    "bool": ("B", "BoolArray"), "int8": ("b", "Int8Array"), "int16": ("h", "Int16Array"),
    "int32": ("i", "Int32Array"), "int64": ("q", "Int64Array"), "uint8": ("B", "UInt8Array"),
    "uint16": ("H", "UInt16Array"), "uint32": ("I", "UInt32Array"), "uint64": ("Q", "UInt64Array"),
    "float16": ("H", "Float16Array"), "bfloat16": ("H", "BFloat16Array"),
    "float32": ("I", "Float32Array"), "float64": ("Q", "Float64Array"),
}
OTHER_SCALARS = {
    "bool": bool, "string": str, "binary": bytes, "any": typing.Any, "date": datetime.date,
    "timestamp": datetime.datetime, "duration": datetime.timedelta, "decimal": decimal.Decimal,
}
GENERICS = {  # name -> (number of type arguments, how to build the annotation)
    "optional": (1, lambda a: typing.Optional[a[0]]), "list": (1, lambda a: typing.List[a[0]]),
    "set": (1, lambda a: typing.Set[a[0]]), "map": (2, lambda a: typing.Dict[a[0], a[1]]),
    "union": (None, lambda a: typing.Union[a]),
}
EPOCH_DAY = datetime.date(1970, 1, 1)
EPOCH_UTC = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)
ONE_US = datetime.timedelta(microseconds=1)
NULL_FLAG, REF_VALUE_FLAG, NOT_NULL_VALUE_FLAG = 0xFD, 0x00, 0xFF


def array_elem(kind):
    """'int32' for 'int32_array'; None if kind is not a dense array kind."""
    elem = kind[: -len("_array")] if kind.endswith("_array") else None
    return elem if elem in ARRAY_ELEMS else None


def float_bits_is_nan(kind, bits):
    _, width, exp_bits = FLOAT_KINDS[kind]
    mant_bits = width - 1 - exp_bits
    exp_max = (1 << exp_bits) - 1
    return (bits >> mant_bits) & exp_max == exp_max and bits & ((1 << mant_bits) - 1) != 0


def float_to_bits(kind, x):
    """Bit pattern of Python float x in the given width; None if x is not exactly representable."""
    x = float(x)
    if kind == "float64":
        return struct.unpack("<Q", struct.pack("<d", x))[0]
    code = "e" if kind == "float16" else "f"
    try:
        raw = struct.pack("<" + code, x)
    except (OverflowError, struct.error):
        return None
    back = struct.unpack("<" + code, raw)[0]
    if back != x and not (math.isnan(x) and math.isnan(back)):
        return None
    bits = int.from_bytes(raw, "little")
    if kind == "bfloat16":  # the upper half of a float32 whose lower half is zero
        return bits >> 16 if not bits & 0xFFFF or math.isnan(x) else None
    return bits


def same_float_bits(kind, want, got):
    return want == got or (got is not None and float_bits_is_nan(kind, want) and float_bits_is_nan(kind, got))


def raw_array_elements(elem, raw):
    """Elements of a little-endian dense array payload (floats as bit patterns, bools as 0/1)."""
    code = ARRAY_ELEMS[elem][0]
    if len(raw) % struct.calcsize(code):
        raise ValueError(f"{len(raw)} bytes is not a whole number of {elem} elements")
    return [v for (v,) in struct.iter_unpack("<" + code, raw)]


def compare_array_elements(elem, want, got):
    """None if two element lists in raw_array_elements() form agree, else the first difference."""
    if len(want) != len(got):
        return f"expected {len(want)} elements, got {len(got)}"
    for i, (w, g) in enumerate(zip(want, got)):
        if not (same_float_bits(elem, w, g) if elem in FLOAT_KINDS else w == g):
            return f"element {i}: expected {w!r}, got {g!r}"
    return None


# ---------------------------------------------------------------------------
# Schema: Python classes generated from the manifest's "types" table
# ---------------------------------------------------------------------------

_TYPE_TOKEN = re.compile(r"\s*([<>,]|[^<>,\s]+)")


def parse_type_expr(text):
    """'map<string,list<varint32>>' -> ('map', (('string', ()), ('list', (('varint32', ()),))))."""
    tokens, pos = _TYPE_TOKEN.findall(text), 0

    def node():
        nonlocal pos
        name, args = tokens[pos], []
        if name in "<>,":
            raise ValueError(f"unexpected {name!r}")
        pos += 1
        if pos < len(tokens) and tokens[pos] == "<":
            while True:
                pos += 1
                args.append(node())
                if tokens[pos] != ",":
                    break
            if tokens[pos] != ">":
                raise ValueError(f"expected '>', got {tokens[pos]!r}")
            pos += 1
        return name, tuple(args)

    try:
        tree = node()
        if pos != len(tokens):
            raise ValueError("trailing tokens")
    except (IndexError, ValueError) as e:
        raise ValueError(f"bad type expression {text!r}: {e}") from None
    return tree


class Schema:
    """Python classes for one reader's view of the manifest's ``types`` table.

    An entry keyed ``T@V`` is reader variant V's schema for type T: it replaces ``T``
    when the schema is built for variant V and is ignored otherwise.
    """

    def __init__(self, types, variant=None):
        self.entries = {key: entry for key, entry in types.items() if "@" not in key}
        for key, entry in types.items():
            base, _, tag = key.partition("@")
            if tag and tag == variant:
                self.entries[base] = entry
        self.classes = {}
        for name, entry in self.entries.items():
            cls_name = entry.get("python_class") or re.sub(r"\W", "_", name)
            if entry.get("kind") == "enum":
                variants = sorted(entry["variants"], key=lambda v: v["ordinal"])
                members = [(v["name"], v.get("python_value", v.get("wire_value", v["ordinal"]))) for v in variants]
                self.classes[name] = enum.Enum(cls_name, members, module=__name__)
            else:  # empty shells first, so that fields may refer to any struct (even their own)
                self.classes[name] = type(cls_name, (), {"__module__": __name__, "__qualname__": cls_name})
        for name, entry in self.entries.items():
            if entry.get("kind") != "enum":
                self._make_dataclass(self.classes[name], entry.get("fields", []))

    def _make_dataclass(self, cls, fields):
        annotations = {}
        for fld in fields:
            tree = parse_type_expr(fld["type"])
            annotations[fld["name"]] = self.annotation(tree)
            is_optional = tree[0] == "optional"
            nullable = bool(fld.get("nullable")) or is_optional  # pyfory insists on nullable=True for Optional
            options = {"ref": True} if fld.get("ref") else {}
            if fld.get("tag_id") is not None:
                options["id"] = int(fld["tag_id"])
            if options or (nullable and not is_optional):
                setattr(cls, fld["name"], pyfory.field(nullable=nullable, **options))
        cls.__annotations__ = annotations
        dataclasses.dataclass(cls)

    def annotation(self, tree):
        """The Python/pyfory type annotation for a parsed manifest type expression."""
        name, args = tree
        if name in GENERICS:
            arity, build = GENERICS[name]
            if not args or (arity and len(args) != arity):
                raise ValueError(f"{name} takes {arity or 'some'} type argument(s), got {len(args)}")
            return build(tuple(self.annotation(a) for a in args))
        if args:
            raise ValueError(f"{name} takes no type arguments")
        if name in INT_KINDS or name in FLOAT_KINDS:
            return getattr(pyfory, (INT_KINDS.get(name) or FLOAT_KINDS[name])[0])
        if array_elem(name):
            return getattr(pyfory, ARRAY_ELEMS[array_elem(name)][1])
        found = OTHER_SCALARS.get(name) or self.classes.get(name)
        if found is None:
            raise ValueError(f"unknown type {name!r}")
        return found

    def new_fory(self, config):
        """A pyfory xlang instance for the case config, with every type registered as the manifest says."""
        fory = pyfory.Fory(xlang=True, ref=bool(config.get("ref")), compatible=bool(config.get("compatible")))
        for name, entry in self.entries.items():
            if entry.get("register_by") == "id":
                fory.register(self.classes[name], type_id=int(entry["type_id"]))
            else:
                namespace, typename = entry.get("namespace") or "", entry.get("typename") or name
                fory.register(self.classes[name], name=f"{namespace}.{typename}" if namespace else typename)
        return fory


# ---------------------------------------------------------------------------
# Decoded Python value vs. typed JSON
# ---------------------------------------------------------------------------


class Mismatch(Exception):
    pass


def _short(x, n=60):
    text = repr(x)
    return text if len(text) <= n else text[: n - 3] + "..."


class Matcher:
    """Compares a decoded object graph with a typed-JSON expectation; raises Mismatch."""

    def __init__(self, schema):
        self.schema = schema
        self.refs = {}  # ref_id -> the Python object found at that node

    def match(self, exp, val, path="$"):
        kind = exp["type"]
        if kind == "ref":
            if exp["target"] not in self.refs:
                raise Mismatch(f"{path}: ref to unknown ref_id {exp['target']}")
            if val is not self.refs[exp["target"]]:
                raise Mismatch(f"{path}: expected the very object of ref_id {exp['target']}, "
                               f"got a distinct {type(val).__name__}")
            return
        if "ref_id" in exp:
            self.refs[exp["ref_id"]] = val
        if (val is None) != (kind == "null"):
            raise Mismatch(f"{path}: expected {kind}, got {_short(val)}")
        if kind in INT_KINDS:
            if type(val) is not int or val != int(exp["value"]):
                raise Mismatch(f"{path}: expected {kind} {exp['value']}, got {_short(val)}")
        elif kind in FLOAT_KINDS:
            if type(val) is not float or not same_float_bits(kind, int(exp["bits"], 16), float_to_bits(kind, val)):
                raise Mismatch(f"{path}: expected {kind} {exp.get('value')} (bits {exp['bits']}), got {_short(val)}")
        elif array_elem(kind):
            self._match_array(array_elem(kind), exp, val, path)
        elif kind != "null":
            handler = getattr(self, "_match_" + kind, None)
            if handler is None:
                raise Mismatch(f"{path}: unknown expected type {kind!r}")
            handler(exp, val, path)

    def _try(self, exp, val, path):
        """match() as a bool; a failed attempt leaves no ref_ids behind."""
        saved = dict(self.refs)
        try:
            self.match(exp, val, path)
            return True
        except Mismatch:
            self.refs = saved
            return False

    def _match_exact(self, exp, val, path):  # bool and string: the same Python type and value
        if type(val) is not {"bool": bool, "string": str}[exp["type"]] or val != exp["value"]:
            raise Mismatch(f"{path}: expected {exp['type']} {_short(exp['value'], 40)}, got {_short(val, 40)}")

    _match_bool = _match_string = _match_exact

    def _match_binary(self, exp, val, path):
        if isinstance(val, (bytes, bytearray, memoryview)):
            data = bytes(val)
        elif hasattr(val, "to_pybytes"):  # pyfory.Buffer
            data = val.to_pybytes()
        else:
            raise Mismatch(f"{path}: expected binary, got {type(val).__name__}")
        if data.hex() != exp["hex"]:
            raise Mismatch(f"{path}: binary differs (expected {len(exp['hex']) // 2} bytes, got {len(data)})")

    def _match_list(self, exp, val, path):
        if not isinstance(val, (list, tuple)) or len(val) != len(exp["items"]):
            raise Mismatch(f"{path}: expected a list of {len(exp['items'])}, got {_short(val)}")
        for i, (item_exp, item) in enumerate(zip(exp["items"], val)):
            self.match(item_exp, item, f"{path}[{i}]")

    def _match_set(self, exp, val, path):
        if not isinstance(val, (set, frozenset)) or len(val) != len(exp["items"]):
            raise Mismatch(f"{path}: expected a set of {len(exp['items'])}, got {_short(val)}")
        left = list(val)
        for i, item_exp in enumerate(exp["items"]):
            hit = next((k for k, item in enumerate(left) if self._try(item_exp, item, f"{path}{{{i}}}")), None)
            if hit is None:
                raise Mismatch(f"{path}: no element matches {_short(json.dumps(item_exp), 80)}")
            del left[hit]

    def _match_map(self, exp, val, path):
        if not isinstance(val, dict) or len(val) != len(exp["entries"]):
            raise Mismatch(f"{path}: expected a map of {len(exp['entries'])}, got {_short(val)}")
        left = list(val.items())
        for i, (key_exp, value_exp) in enumerate(exp["entries"]):
            hit = next((k for k, (key, _) in enumerate(left) if self._try(key_exp, key, f"{path}<key {i}>")), None)
            if hit is None:
                raise Mismatch(f"{path}: no key matches {_short(json.dumps(key_exp), 80)}")
            key, value = left.pop(hit)
            self.match(value_exp, value, f"{path}[{_short(key, 30)}]")

    def _match_struct(self, exp, val, path):
        if type(val) is not self.schema.classes.get(exp["type_name"]):
            raise Mismatch(f"{path}: expected struct {exp['type_name']}, got {type(val).__name__}")
        for name, field_exp in exp["fields"].items():
            if not hasattr(val, name):
                raise Mismatch(f"{path}: struct {exp['type_name']} has no field {name!r}")
            self.match(field_exp, getattr(val, name), f"{path}.{name}")

    def _match_enum(self, exp, val, path):
        if type(val) is not self.schema.classes.get(exp["type_name"]) or val.name != exp["variant"]:
            raise Mismatch(f"{path}: expected {exp['type_name']}.{exp['variant']}, got {_short(val)}")

    def _match_array(self, elem, exp, val, path):
        if type(val).__name__ == ARRAY_ELEMS[elem][1]:
            got = list(val)
        elif type(val).__module__ == "numpy" and getattr(val, "ndim", 0) == 1 and val.dtype.name == elem:
            got = val.tolist()
        else:
            raise Mismatch(f"{path}: expected {elem}_array, got {type(val).__name__}")
        want_type = float if elem in FLOAT_KINDS else bool if elem == "bool" else int
        bad = next((x for x in got if type(x) is not want_type), None)
        if bad is not None:
            raise Mismatch(f"{path}: {elem}_array holds a {type(bad).__name__} ({_short(bad)})")
        got = [float_to_bits(elem, x) if want_type is float else int(x) for x in got]
        problem = compare_array_elements(elem, raw_array_elements(elem, bytes.fromhex(exp["hex"])), got)
        if problem:
            raise Mismatch(f"{path}: {elem}_array {problem}")

    def _match_date(self, exp, val, path):
        if type(val) is not datetime.date or (val - EPOCH_DAY).days != int(exp["days"]):
            raise Mismatch(f"{path}: expected date {exp.get('iso', exp['days'])}, got {_short(val)}")

    def _match_timestamp(self, exp, val, path):
        want_us = int(exp["seconds"]) * 1_000_000 + int(exp["nanos"]) // 1000
        if not isinstance(val, datetime.datetime) or val.tzinfo is None or (val - EPOCH_UTC) // ONE_US != want_us:
            raise Mismatch(f"{path}: expected UTC timestamp {exp.get('iso', want_us)}, got {_short(val)}")

    def _match_duration(self, exp, val, path):
        want_us = int(exp["seconds"]) * 1_000_000 + int(exp["nanos"]) // 1000
        if type(val) is not datetime.timedelta or val // ONE_US != want_us:
            raise Mismatch(f"{path}: expected duration {exp['seconds']}s {exp['nanos']}ns, got {_short(val)}")

    def _match_decimal(self, exp, val, path):
        if not isinstance(val, decimal.Decimal) or not val.is_finite():
            raise Mismatch(f"{path}: expected decimal {exp['value']}, got {_short(val)}")
        sign, digits, exponent = val.as_tuple()
        unscaled = int("".join(map(str, digits)) or "0") * (-1 if sign else 1)
        if unscaled != int(exp["unscaled"]) or -exponent != int(exp["scale"]):
            raise Mismatch(f"{path}: expected decimal {exp['value']} (unscaled {exp['unscaled']}, "
                           f"scale {exp['scale']}), got {val}")


# ---------------------------------------------------------------------------
# Root type id and an independent decode of top-level scalar payloads
# ---------------------------------------------------------------------------


class Truncated(ValueError):
    pass


class WireReader:
    """Little-endian reader over a stream: just what top-level scalar payloads need."""

    def __init__(self, data, pos, buffers):
        self.data, self.pos, self.buffers = data, pos, buffers

    def take(self, n):
        if self.pos + n > len(self.data):
            raise Truncated(f"needs {n} bytes at offset {self.pos}, the stream has {len(self.data)}")
        self.pos += n
        return self.data[self.pos - n : self.pos]

    def fixed(self, n, signed):
        return int.from_bytes(self.take(n), "little", signed=signed)

    def varuint(self, max_bytes=9):
        """Fory varuint: 7 bits a byte, high bit = more; the 9th byte of a 64-bit value holds 8 bits."""
        result = 0
        for i in range(max_bytes):
            b = self.take(1)[0]
            if i == 8:
                return result | b << 56
            result |= (b & 0x7F) << (7 * i)
            if not b & 0x80:
                return result
        raise ValueError(f"varuint longer than {max_bytes} bytes")

    def varint(self, max_bytes=9):
        v = self.varuint(max_bytes)
        return (v >> 1) ^ -(v & 1)  # zigzag

    def int_of_kind(self, kind):
        _, width, signed = INT_KINDS[kind]
        if width:
            return self.fixed(width, signed)
        if kind.startswith("tagged_"):  # 4 bytes holding v<<1 (low bit 0), else a 0x01 flag and 8 bytes
            if self.pos < len(self.data) and not self.data[self.pos] & 1:
                return self.fixed(4, signed) >> 1
            self.take(1)
            return self.fixed(8, signed)
        max_bytes = 5 if kind.endswith("32") else 9
        return self.varint(max_bytes) if signed else self.varuint(max_bytes)

    def bool(self):
        b = self.take(1)[0]
        if b > 1:
            raise ValueError(f"bool byte {b:#04x}")
        return b == 1

    def string(self):
        header = self.varuint()  # byte length << 2 | encoding
        if header & 3 not in STRING_CODECS:
            raise ValueError(f"unknown string encoding {header & 3}")
        return self.take(header >> 2).decode(STRING_CODECS[header & 3])

    def binary(self):
        flag = self.take(1)[0] if self.data[0] & 2 else 1  # with a buffer callback: 0 = out-of-band, 1 = in-band
        if flag == 0 and self.buffers:
            return bytes(self.buffers[0])
        if flag != 1:
            raise ValueError(f"binary in-band flag {flag:#04x} (with {len(self.buffers)} oob buffers)")
        return self.take(self.varuint(5))

    def decimal(self):
        scale, header = self.varint(5), self.varuint()
        if not header & 1:  # small form: zigzag(unscaled) << 1
            return (header >> 2) ^ -((header >> 1) & 1), scale
        magnitude = int.from_bytes(self.take(header >> 2), "little")  # big form: (len << 1 | sign) << 1 | 1
        return (-magnitude if header & 2 else magnitude), scale


STRING_CODECS = {0: "latin-1", 1: "utf-16-le", 2: "utf-8"}
_SECONDS_NANOS = lambda e: (int(e["seconds"]), int(e["nanos"]))  # noqa: E731
# kind -> (decode a top-level payload with a WireReader, the same value from the typed JSON)
SCALAR_CODECS = {
    "bool": (WireReader.bool, lambda e: e["value"]),
    "string": (WireReader.string, lambda e: e["value"]),
    "binary": (WireReader.binary, lambda e: bytes.fromhex(e["hex"])),
    "date": (lambda r: r.varint(), lambda e: int(e["days"])),
    "timestamp": (lambda r: (r.fixed(8, True), r.fixed(4, False)), _SECONDS_NANOS),
    "duration": (lambda r: (r.varint(), r.fixed(4, True)), _SECONDS_NANOS),
    "decimal": (WireReader.decimal, lambda e: (int(e["unscaled"]), int(e["scale"]))),
}
for _k in INT_KINDS:
    SCALAR_CODECS[_k] = (lambda r, k=_k: r.int_of_kind(k), lambda e: int(e["value"]))
for _k, (_, _bits, _) in FLOAT_KINDS.items():
    SCALAR_CODECS[_k] = (lambda r, n=_bits // 8: r.fixed(n, False), lambda e: int(e["bits"], 16))
for _k in ARRAY_ELEMS:
    SCALAR_CODECS[_k + "_array"] = (lambda r, k=_k: raw_array_elements(k, r.take(r.varuint(5))),
                                   lambda e, k=_k: raw_array_elements(k, bytes.fromhex(e["hex"])))


def check_root(stream, buffers, exp, schema, compatible):
    """Root ref flag, type id (and registered id) and, for scalars, the payload. None if all fine."""
    kind = exp["type"]
    if len(stream) < 2:
        return "stream ends before the root ref flag"
    flag = stream[1]
    if kind == "null":
        if flag != NULL_FLAG:
            return f"root flag {flag:#04x}, expected NULL {NULL_FLAG:#04x}"
        return None if len(stream) == 2 else f"{len(stream) - 2} bytes trail the null root"
    if flag not in (REF_VALUE_FLAG, NOT_NULL_VALUE_FLAG):
        return f"root flag {flag:#04x}, expected {NOT_NULL_VALUE_FLAG:#04x} or {REF_VALUE_FLAG:#04x}"
    entry = schema.entries.get(exp.get("type_name"), {})
    by_id = entry.get("register_by") == "id"
    if kind == "struct":
        want_name = ("" if by_id else "NAMED_") + ("COMPATIBLE_STRUCT" if compatible else "STRUCT")
    else:
        want_name = ("ENUM" if by_id else "NAMED_ENUM") if kind == "enum" else kind.upper()
    want = getattr(TypeId, want_name, None)
    r = WireReader(stream, 2, buffers)
    try:
        type_id = r.varuint(5)
        if want is not None and type_id != want:
            return f"root type id {type_id}, expected {want} ({want_name})"
        if by_id and (kind == "enum" or (kind == "struct" and not compatible)):
            user_id = r.varuint(5)  # (a compatible struct has its id in the TypeDef that follows)
            if user_id != int(entry["type_id"]):
                return f"root registered type id {user_id}, expected {entry['type_id']}"
        if kind == "enum" and by_id:
            got = r.varuint(5)
            want_value = next(v["wire_value"] for v in entry["variants"] if v["name"] == exp["variant"])
        elif kind in SCALAR_CODECS:
            got, want_value = SCALAR_CODECS[kind][0](r), SCALAR_CODECS[kind][1](exp)
        else:
            return None  # composite payloads are left to pyfory
    except ValueError as e:  # includes Truncated and UnicodeDecodeError
        return f"top-level {kind} payload: {type(e).__name__}: {e}"
    if kind in FLOAT_KINDS:
        equal = same_float_bits(kind, want_value, got)
    elif array_elem(kind):
        equal = compare_array_elements(array_elem(kind), want_value, got) is None
    else:
        equal = got == want_value
    if not equal:
        return f"top-level {kind} payload decodes to {_short(got)}, expected {_short(want_value)}"
    if r.pos != len(stream):
        return f"{len(stream) - r.pos} bytes trail the top-level {kind}"
    return None


# ---------------------------------------------------------------------------
# Checking cases
# ---------------------------------------------------------------------------


def load_manifest(path):
    with open(path, encoding="utf-8") as fh:
        manifest = json.load(fh)
    if not isinstance(manifest.get("cases"), list):
        raise SystemExit(f"{path}: not a conformance manifest (no 'cases' list)")
    return manifest


def conformance_cases(manifest, only=()):
    for case in manifest["cases"]:
        if case.get("conformance") and (not only or any(case["name"].startswith(p) for p in only)):
            yield case


def oob_files(directory, name):
    """{K: path} of the NAME.oob.K.bin files in directory."""
    pattern = re.compile(re.escape(name) + r"\.oob\.(\d+)\.bin")
    matches = (pattern.fullmatch(fn) for fn in os.listdir(directory))
    return {int(m.group(1)): os.path.join(directory, m.group(0)) for m in matches if m}


def read_file(path):
    with open(path, "rb") as fh:
        return fh.read()


class Peer:
    """Checks the cases of one manifest; classes are generated once per reader variant."""

    def __init__(self, manifest):
        self.manifest = manifest
        self._schemas = {}

    def schema(self, variant=None):
        if variant not in self._schemas:
            self._schemas[variant] = Schema(self.manifest.get("types", {}), variant)
        return self._schemas[variant]

    def decode(self, stream, buffers, config, variant=None):
        schema = self.schema(variant)
        value = schema.new_fory(config).deserialize(stream, buffers=list(buffers) if stream[0] & 2 else None)
        return value, schema

    def check(self, case, directory):
        """None if the case passes, else the reason why not."""
        name = case["name"]
        path = os.path.join(directory, name + ".bin")
        if not os.path.isfile(path):
            return f"missing {name}.bin"
        stream, files = read_file(path), oob_files(directory, name)
        if sorted(files) != list(range(len(files))):
            return f"oob files are numbered {sorted(files)}, expected 0..{len(files) - 1}"
        buffers = [read_file(files[k]) for k in range(len(files))]
        if not stream:
            return "empty stream"
        header, policy = stream[0], case.get("oob_policy", "none")
        if not header & 1:
            return f"header {header:#04x}: xlang bit (bit 0) clear"
        if header & 0xFC:
            return f"header {header:#04x}: reserved bits 2-7 set"
        if bool(header & 2) != (policy != "none"):
            return f"header {header:#04x}: oob bit is {int(bool(header & 2))} but oob_policy is {policy!r}"
        if "num_oob" in case and len(buffers) != case["num_oob"]:
            return f"{len(buffers)} oob buffer files, expected {case['num_oob']} (oob_policy {policy!r})"
        if not header & 2 and buffers:
            return f"{len(buffers)} oob buffer files but the header's oob bit is clear"
        config = case.get("config", {})
        try:
            value, schema = self.decode(stream, buffers, config)
        except Exception as e:  # pyfory raises all sorts: StopIteration, AssertionError, BufferError, ...
            return f"pyfory cannot decode: {type(e).__name__}: {e}"
        try:
            Matcher(schema).match(case["expected"], value)
        except Mismatch as e:
            return f"value mismatch: {e}"
        problem = check_root(stream, buffers, case["expected"], schema, bool(config.get("compatible")))
        if problem:
            return f"root: {problem}"
        view = case.get("reader_view")
        if view:
            try:
                value, schema = self.decode(stream, buffers, config, view["reader_types"])
                Matcher(schema).match(view["expected"], value)
            except Exception as e:
                return f"reader view {view['reader_types']!r}: {type(e).__name__}: {e}"
        return None


def one_line(text, limit=400):
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def run_check(directory, manifest_path, quiet=False, only=()):
    manifest = load_manifest(manifest_path)
    peer = Peer(manifest)
    passed = failed = 0
    for case in conformance_cases(manifest, only):
        try:
            reason = peer.check(case, directory)
        except Exception as e:  # a checker or manifest bug must not hide the remaining cases
            reason = f"checker error: {type(e).__name__}: {e}"
        if reason is None:
            passed += 1
            if not quiet:
                print(f"PASS {case['name']}", flush=True)
        else:
            failed += 1
            print(f"FAIL {case['name']}: {one_line(reason)}", flush=True)
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


# ---------------------------------------------------------------------------
# Mutation self-test: planted errors must all be caught
# ---------------------------------------------------------------------------


def write_file(path, data):
    with open(path, "wb") as fh:
        fh.write(data)


def edit_stream(fn):
    """A mutation rewriting NAME.bin through fn(bytearray)."""

    def mutate(directory, case, peer):
        path = os.path.join(directory, case["name"] + ".bin")
        data = bytearray(read_file(path))
        fn(data)
        write_file(path, data)

    return mutate


def edit_oobs(fn):
    """A mutation rewriting the NAME.oob.K.bin files through fn(list of buffers)."""

    def mutate(directory, case, peer):
        files = oob_files(directory, case["name"])
        buffers = [read_file(files[k]) for k in sorted(files)]
        for path in files.values():
            os.remove(path)
        fn(buffers)
        for k, data in enumerate(buffers):
            write_file(os.path.join(directory, f"{case['name']}.oob.{k}.bin"), data)

    return mutate


def xor_byte(index, mask):
    return edit_stream(lambda d: d.__setitem__(index, d[index] ^ mask))


def unshare(obj):
    """Deep copy of lists, dicts and structs that drops all sharing (the graph must be acyclic)."""
    if isinstance(obj, list):
        return [unshare(x) for x in obj]
    if isinstance(obj, dict):
        return {k: unshare(v) for k, v in obj.items()}
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        clone = copy.copy(obj)
        for f in dataclasses.fields(obj):
            setattr(clone, f.name, unshare(getattr(obj, f.name)))
        return clone
    return obj


def lose_sharing(directory, case, peer):
    """Re-serialize the decoded value with pyfory after replacing every shared object by copies."""
    path = os.path.join(directory, case["name"] + ".bin")
    value, schema = peer.decode(read_file(path), [], case["config"])
    write_file(path, schema.new_fory(case["config"]).serialize(unshare(value)))


def shares_acyclically(exp):
    """True if exp has ref nodes, none closing a cycle, all of them pointing at lists/maps/structs."""
    target_kinds, refs_ok = {}, []

    def walk(node, ancestors):
        kind = node.get("type")
        if kind == "ref":
            target = node["target"]
            refs_ok.append(target not in ancestors and target_kinds.get(target) in ("list", "map", "struct"))
            return
        if "ref_id" in node:
            target_kinds[node["ref_id"]] = kind
            ancestors = ancestors | {node["ref_id"]}
        children = {"list": lambda: node["items"], "set": lambda: node["items"],
                    "struct": lambda: node["fields"].values(),
                    "map": lambda: [x for pair in node["entries"] for x in pair]}.get(kind, list)()
        for child in children:
            walk(child, ancestors)

    walk(exp, frozenset())
    return bool(refs_ok) and all(refs_ok)


def plan_mutations(cases, source_dir):
    """[(description, case or None if none fits, mutate(directory, case, peer))]."""

    def first(pred):
        return next((c for c in cases if pred(c)), None)

    def plain(c):
        return c.get("oob_policy", "none") == "none"

    def top(c, kind):
        return c["expected"]["type"] == kind and plain(c)

    def distinct_oobs(c):
        files = oob_files(source_dir, c["name"]) if c.get("num_oob", 0) >= 2 else {}
        return len(files) >= 2 and read_file(files[0]) != read_file(files[1])

    def int_struct(c):
        fields = c["expected"].get("fields", {}).values() if top(c, "struct") else ()
        return bool(fields) and all(f["type"] in INT_KINDS for f in fields)

    string = first(lambda c: top(c, "string") and c["expected"]["value"])
    big_int = first(lambda c: top(c, "varint64"))
    small_int = first(lambda c: top(c, "varint64") and 0 < abs(int(c["expected"]["value"])) < 2**31)
    oob, any_plain = first(lambda c: not plain(c)), first(plain)
    return [
        ("flipped a value byte of a top-level string", string, xor_byte(-1, 0x01)),
        ("flipped a value byte of a top-level int", big_int, xor_byte(-1, 0x02)),
        ("flipped an exponent bit of a top-level float64", first(lambda c: top(c, "float64")), xor_byte(-1, 0x01)),
        ("flipped a value byte of a struct field", first(int_struct), xor_byte(-1, 0x02)),
        ("flipped an element byte of a dense array",
         first(lambda c: array_elem(c["expected"]["type"]) and c["expected"].get("len")), xor_byte(-1, 0x01)),
        ("changed an enum's wire value", first(lambda c: top(c, "enum")), xor_byte(-1, 0x01)),
        ("dropped an out-of-band buffer file", first(lambda c: c.get("num_oob", 0) >= 1), edit_oobs(list.pop)),
        ("added an extra out-of-band buffer file", oob, edit_oobs(lambda b: b.append(b"extra"))),
        ("swapped two out-of-band buffer files", first(distinct_oobs), edit_oobs(lambda b: b.insert(0, b.pop(1)))),
        ("appended a trailing byte to a top-level int", small_int, edit_stream(lambda d: d.append(0))),
        ("appended a trailing byte to a top-level string", string, edit_stream(lambda d: d.append(0x41))),
        ("truncated a top-level string", string, edit_stream(lambda d: d.pop())),
        ("top-level int tagged VARINT32 instead of VARINT64", small_int,
         edit_stream(lambda d: d.__setitem__(2, TypeId.VARINT32))),
        ("cleared the header's oob bit", oob, xor_byte(0, 0x02)),
        ("set the header's oob bit without a buffer callback", any_plain, xor_byte(0, 0x02)),
        ("set a reserved header bit", any_plain, xor_byte(0, 0x04)),
        ("cleared the header's xlang bit", any_plain, xor_byte(0, 0x01)),
        ("wrote a shared object as separate copies (lost sharing)",
         first(lambda c: c["config"].get("ref") and plain(c) and shares_acyclically(c["expected"])),
         lose_sharing),
        ("removed the stream file", any_plain, lambda d, case, peer: os.remove(os.path.join(d, case["name"] + ".bin"))),
    ]


def run_mutation_selftest(manifest_dir):
    manifest = load_manifest(os.path.join(manifest_dir, "cases.json"))
    peer = Peer(manifest)
    caught = missed = 0
    with tempfile.TemporaryDirectory(prefix="fory_peer_mutations_") as tmp:
        for index, (label, case, mutate) in enumerate(plan_mutations(list(conformance_cases(manifest)), manifest_dir)):
            if case is None:
                print(f"SKIP {label}: no suitable case in the manifest")
                continue
            work = os.path.join(tmp, str(index))
            os.mkdir(work)
            for path in oob_files(manifest_dir, case["name"]).values():
                shutil.copy(path, work)
            shutil.copy(os.path.join(manifest_dir, case["name"] + ".bin"), work)
            control = peer.check(case, work)
            if control is not None:  # a planted error in a failing case would prove nothing
                missed += 1
                print(f"MISSED {label} [{case['name']}]: the unmutated copy already fails: {one_line(control)}")
                continue
            mutate(work, case, peer)
            try:
                reason = peer.check(case, work)
            except Exception as e:
                reason = f"checker error: {type(e).__name__}: {e}"
            if reason is None:
                missed += 1
                print(f"MISSED {label} [{case['name']}]")
            else:
                caught += 1
                print(f"CAUGHT {label} [{case['name']}]: {one_line(reason, 200)}")
    print(f"{caught} of {caught + missed} planted errors caught")
    return 0 if missed == 0 and caught > 0 else 1


# ---------------------------------------------------------------------------
# Command line
# ---------------------------------------------------------------------------


def main(argv=None):
    ap = argparse.ArgumentParser(description="pyfory-backed peer for the Fory xlang conformance vectors")
    sub = ap.add_subparsers(dest="command", required=True)
    check = sub.add_parser("check", help="check the streams in DIR against a manifest")
    check.add_argument("dir")
    check.add_argument("--manifest", help="cases.json with the expected values (default: DIR/cases.json)")
    selftest = sub.add_parser("selftest", help="check the manifest's own (pyfory-written) vectors")
    selftest.add_argument("manifest_dir", help="directory holding cases.json and the vectors (or cases.json)")
    for p in (check, selftest):
        p.add_argument("--quiet", action="store_true", help="print only FAIL lines and the summary")
        p.add_argument("--only", action="append", default=[], metavar="PREFIX",
                       help="only cases whose name starts with PREFIX (repeatable)")
    mutation = sub.add_parser("mutation-selftest", help="plant errors in copies of vectors; all must be caught")
    mutation.add_argument("manifest_dir", help="directory holding cases.json and the vectors (or cases.json)")
    args = ap.parse_args(argv)

    if args.command == "check":
        return run_check(args.dir, args.manifest or os.path.join(args.dir, "cases.json"), args.quiet, args.only)
    directory = args.manifest_dir
    if os.path.isfile(directory):
        directory = os.path.dirname(os.path.abspath(directory))
    if args.command == "selftest":
        return run_check(directory, os.path.join(directory, "cases.json"), args.quiet, args.only)
    return run_mutation_selftest(directory)


if __name__ == "__main__":
    sys.exit(main())

//! `fory inspect` over every pyfory 1.7.7 vector: it walks each stream the
//! way the decoder does, names every TypeDef field and every struct field, and
//! reports damaged streams as errors instead of panicking.

use std::collections::BTreeSet;

use fory_cli::conform::{self, Manifest};
use fory_cli::inspect::{inspect, Options, Report};
use fory_core::wire::typedef::FieldId;
use fory_core::{Fory, Schema};
use fory_tests::{vectors_dir, Rng};
use serde_json::Value as Json;

/// One stream of the vectors directory with its manifest entry.
struct Vector {
    name: String,
    stream: Vec<u8>,
    buffers: Vec<Vec<u8>>,
    case: Json,
}

/// Every `NAME.bin` in the vectors directory (conformance or not).
fn vectors() -> (Manifest, Vec<Vector>) {
    let dir = vectors_dir();
    let m = Manifest::load(&dir).expect("manifest");
    let mut out = Vec::new();
    let mut files = BTreeSet::new();
    for entry in std::fs::read_dir(&dir).expect("vectors dir") {
        let name = entry
            .expect("entry")
            .file_name()
            .into_string()
            .expect("utf-8");
        if let Some(stem) = name.strip_suffix(".bin") {
            if !stem.contains(".oob.") {
                files.insert(stem.to_string());
            }
        }
    }
    for case in m.cases() {
        let name = case["name"].as_str().expect("name").to_string();
        if !files.remove(&name) {
            continue; // pyfory could not serialize this value: no stream
        }
        let stream = std::fs::read(dir.join(format!("{name}.bin"))).expect("stream");
        let buffers = conform::read_oob_files(&dir, &name).expect("buffers");
        out.push(Vector {
            name,
            stream,
            buffers,
            case: case.clone(),
        });
    }
    assert!(files.is_empty(), "streams without a case: {files:?}");
    (m, out)
}

/// The Fory instance of a case and the matching inspect options.
fn setup(schema: &Schema, v: &Vector, stream: &[u8]) -> (Fory, Options) {
    let fory = conform::fory_for(&v.case, schema.clone());
    let oob = stream.first().is_some_and(|h| h & 2 != 0);
    // Same rule as `conform::decode_stream`: buffers go with the out-of-band bit.
    let oob_sizes =
        (oob || !v.buffers.is_empty()).then(|| v.buffers.iter().map(Vec::len).collect());
    let opts = Options {
        config: fory.config(),
        schema: fory.schema().clone(),
        oob_sizes,
    };
    (fory, opts)
}

/// Type names of every struct in a typed-JSON value.
fn struct_names(j: &Json, out: &mut BTreeSet<String>) {
    match j {
        Json::Object(o) => {
            if o.get("type").and_then(Json::as_str) == Some("struct") {
                if let Some(n) = o.get("type_name").and_then(Json::as_str) {
                    out.insert(n.to_string());
                }
            }
            o.values().for_each(|v| struct_names(v, out));
        }
        Json::Array(a) => a.iter().for_each(|v| struct_names(v, out)),
        _ => {}
    }
}

fn check_field_names(m: &Manifest, v: &Vector, rep: &Report) -> usize {
    let mut checked = 0;
    // Every field of every TypeDef the stream defined is listed.
    for td in &rep.typedefs {
        for f in &td.fields {
            let want = match &f.id {
                FieldId::Name(n) => format!("field {n:?}: "),
                FieldId::Tag(t) => format!("field tag {t}: "),
            };
            assert!(
                rep.text.contains(&want),
                "{}: no {want:?} in\n{}",
                v.name,
                rep.text
            );
            checked += 1;
        }
    }
    // Independently of the walk: every struct of the expected value has its
    // declared fields named in the dump (as TypeDef entries in compatible
    // mode, and as labelled values in both modes).
    let compatible = v.case["config"]["compatible"].as_bool().unwrap_or(true);
    let mut names = BTreeSet::new();
    struct_names(&v.case["expected"], &mut names);
    for n in names {
        let fields = m.json["types"][&n]["fields"]
            .as_array()
            .unwrap_or_else(|| panic!("{}: type {n} not in the manifest", v.name));
        for f in fields {
            let fname = f["name"].as_str().expect("field name");
            let mut wants = vec![format!("{fname}: ")];
            if compatible {
                wants.push(format!("field {fname:?}: "));
            }
            for want in wants {
                assert!(
                    rep.text.contains(&want),
                    "{}: no {want:?} for {n} in\n{}",
                    v.name,
                    rep.text
                );
                checked += 1;
            }
        }
    }
    checked
}

#[test]
fn every_vector_inspects() {
    let (m, vs) = vectors();
    let schema = m.schema(None).expect("schema");
    let mut typedefs = 0;
    let mut names = 0;
    let mut unreadable = Vec::new();
    for v in &vs {
        let (fory, opts) = setup(&schema, v, &v.stream);
        let rep = inspect(&v.stream, &opts);
        match conform::decode_stream(&fory, &v.stream, &v.buffers) {
            Ok(_) => {
                assert!(
                    rep.is_complete(),
                    "{}: {:?} {:?}\n{}",
                    v.name,
                    rep.error,
                    rep.incomplete,
                    rep.text
                );
                assert!(rep.text.contains("end of stream"), "{}", v.name);
                names += check_field_names(&m, v, &rep);
                typedefs += rep.typedefs.len();
            }
            Err(e) => {
                // Only the streams pyfory itself cannot read back.
                assert!(
                    !v.case["conformance"].as_bool().unwrap_or(true),
                    "{}: the decoder fails: {e}",
                    v.name
                );
                assert!(
                    rep.error.is_some(),
                    "{}: decoder: {e}\n{}",
                    v.name,
                    rep.text
                );
                assert!(rep.text.contains("undecoded"), "{}", v.name);
                unreadable.push(v.name.clone());
            }
        }
    }
    assert_eq!(vs.len(), 520, "every stream of the directory");
    assert_eq!(
        unreadable,
        [
            "pybug_list_of_numpy_arrays",
            "pybug_list_of_numpy_arrays_same_dtype",
            "pybug_map_of_numpy_arrays"
        ]
    );
    assert!(typedefs >= 50, "{typedefs} TypeDefs");
    assert!(names >= 500, "{names} field names checked");
}

#[test]
fn truncated_vectors_report_errors() {
    let (m, vs) = vectors();
    let schema = m.schema(None).expect("schema");
    let mut runs = 0;
    for v in &vs {
        let (_, opts) = setup(&schema, v, &v.stream);
        if !inspect(&v.stream, &opts).is_complete() {
            continue;
        }
        let n = v.stream.len();
        let cuts: Vec<usize> = if n <= 300 {
            (0..n).collect()
        } else {
            (0..n).step_by(n / 40).chain(n - 16..n).collect()
        };
        for cut in cuts {
            let rep = inspect(&v.stream[..cut], &opts);
            assert!(
                rep.error.is_some(),
                "{} cut at {cut} of {n}:\n{}",
                v.name,
                rep.text
            );
            assert!(rep.text.contains("error"), "{} cut at {cut}", v.name);
            runs += 1;
        }
    }
    assert!(runs > 10_000, "{runs}");
}

/// Randomly damaged streams: no panic, and `inspect` agrees with the decoder
/// on whether the stream is readable.
#[test]
fn damaged_vectors_agree_with_the_decoder() {
    let (m, vs) = vectors();
    let schema = m.schema(None).expect("schema");
    let mut rng = Rng(0x5eed_1e55_f00d_cafe);
    let mut readable = 0;
    for v in vs.iter().filter(|v| v.stream.len() <= 1024) {
        for _ in 0..30 {
            let mut s = v.stream.clone();
            for _ in 0..1 + rng.below(3) {
                let i = rng.below(s.len());
                s[i] = match rng.below(4) {
                    0 => s[i] ^ (1 << rng.below(8)),
                    1 => s[i].wrapping_add(1),
                    _ => rng.next_u64() as u8,
                };
            }
            if rng.below(8) == 0 {
                s.truncate(rng.below(s.len() + 1));
            }
            let (fory, opts) = setup(&schema, v, &s);
            let rep = inspect(&s, &opts);
            match conform::decode_stream(&fory, &s, &v.buffers) {
                Ok(_) => {
                    assert!(
                        rep.is_complete(),
                        "{} damaged to {}: the decoder reads it but inspect says {:?} {:?}\n{}",
                        v.name,
                        hex::encode(&s),
                        rep.error,
                        rep.incomplete,
                        rep.text
                    );
                    readable += 1;
                }
                Err(e) => assert!(
                    !rep.is_complete(),
                    "{} damaged to {}: the decoder fails ({e}) but inspect does not\n{}",
                    v.name,
                    hex::encode(&s),
                    rep.text
                ),
            }
        }
    }
    assert!(readable > 100, "{readable}");
}

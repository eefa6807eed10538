//! Both directions of the pyfory 1.7.7 conformance suite.

use std::process::Command;

use fory_tests::{python, repo_root, vectors_dir};

#[test]
fn pyfory_vectors_decode_and_reencode() {
    let out = std::env::temp_dir().join(format!("fory-conform-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&out);
    let results = fory_cli::conform::run(&vectors_dir(), Some(&out), &[]).expect("run");
    let failures: Vec<_> = results
        .iter()
        .filter_map(|r| r.failure.as_ref().map(|f| format!("{}: {f}", r.name)))
        .collect();
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert_eq!(results.len(), 514, "every conformance case runs");
    assert!(out.join("cases.json").exists());
    let _ = std::fs::remove_dir_all(&out);
}

#[test]
fn pyfory_reads_our_reencodings() {
    let Some(py) = python() else {
        eprintln!("FORY_SKIP_PYTHON=1: skipping the pyfory direction");
        return;
    };
    let out = std::env::temp_dir().join(format!("fory-emit-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&out);
    let results = fory_cli::conform::run(&vectors_dir(), Some(&out), &[]).expect("run");
    assert!(results.iter().all(|r| r.failure.is_none()));
    let peer = repo_root().join("tests/python/fory_peer.py");
    let manifest = vectors_dir().join("cases.json");
    let res = Command::new(&py)
        .arg(&peer)
        .arg("check")
        .arg(&out)
        .arg("--manifest")
        .arg(&manifest)
        .arg("--quiet")
        .output()
        .expect("run fory_peer.py");
    let stdout = String::from_utf8_lossy(&res.stdout);
    assert!(
        res.status.success(),
        "pyfory rejected our streams:\n{stdout}\n{}",
        String::from_utf8_lossy(&res.stderr)
    );
    assert_eq!(stdout.lines().last(), Some("514 passed, 0 failed"));
    let _ = std::fs::remove_dir_all(&out);
}

#[test]
fn reencodings_are_byte_identical_except_string_coding() {
    let out = std::env::temp_dir().join(format!("fory-ident-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&out);
    let results = fory_cli::conform::run(&vectors_dir(), Some(&out), &[]).expect("run");
    assert!(results.iter().all(|r| r.failure.is_none()));
    let mut differ = Vec::new();
    for r in &results {
        let ours = std::fs::read(out.join(format!("{}.bin", r.name))).unwrap();
        let theirs = std::fs::read(vectors_dir().join(format!("{}.bin", r.name))).unwrap();
        if ours != theirs {
            differ.push(r.name.clone());
        }
    }
    // pyfory writes BMP text as UTF-16, we write UTF-8 (both legal); nothing else may differ.
    let allowed = [
        "string_cjk",
        "string_cyrillic_greek",
        "string_bmp_max",
        "string_long_cjk_40000",
        "list_strings",
        "list_strings__ref",
        "set_strings",
        "set_strings__ref",
    ];
    for d in &differ {
        assert!(
            allowed.contains(&d.as_str()),
            "{d}: our bytes differ from pyfory's"
        );
    }
    assert_eq!(results.len() - differ.len(), 506);
    let _ = std::fs::remove_dir_all(&out);
}

#[test]
fn compatible_structs_decode_from_their_typedef_alone() {
    let fory = fory_core::Fory::builder().compatible(true).build(); // no schema at all
    let bytes = std::fs::read(vectors_dir().join("struct_line_full__compat.bin")).unwrap();
    let v = fory.deserialize_value(&bytes).unwrap();
    let fory_core::Value::Struct(s) = v else {
        panic!("{v:?}")
    };
    assert_eq!(s.type_name, "example.Line");
    let names: Vec<_> = s.fields.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["a", "b", "counts", "note", "tags"]);
    let Some(fory_core::Value::Struct(a)) = s.get("a") else {
        panic!()
    };
    assert_eq!(a.type_name, "example.Point");
    assert_eq!(a.get("x"), Some(&fory_core::Value::VarInt32(1)));
    assert_eq!(
        s.get("note"),
        Some(&fory_core::Value::String("note".into()))
    );
}

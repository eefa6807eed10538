//! `fory pickle inspect` and `fory pickle to-fory` on streams CPython and
//! numpy wrote (tests/python/pickle_peer.py): the listing matches
//! `pickletools.dis` line for line, and pyfory reads the converted streams
//! whose out-of-band buffers are the input buffers, byte for byte.

use std::path::{Path, PathBuf};
use std::process::Command;

use bytes::Bytes;
use fory_cli::pickle_cmd::{inspect, to_fory};
use fory_tests::{python, repo_root};
use serde_json::{json, Value as Json};

fn run(py: &str, args: &[&str]) -> String {
    let res = Command::new(py).args(args).output().expect("run python");
    let stdout = String::from_utf8_lossy(&res.stdout).to_string();
    assert!(
        res.status.success(),
        "{args:?}:\n{stdout}\n{}",
        String::from_utf8_lossy(&res.stderr)
    );
    stdout
}

struct Case {
    name: String,
    stream: Vec<u8>,
    buffers: Vec<Bytes>,
    path: PathBuf,
}

fn cases(py: &str, dir: &Path) -> Vec<Case> {
    let _ = std::fs::remove_dir_all(dir);
    let peer = repo_root().join("tests/python/pickle_peer.py");
    run(py, &[peer.to_str().unwrap(), "gen", dir.to_str().unwrap()]);
    let m: Json =
        serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).unwrap()).unwrap();
    m["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| Case {
            name: c["name"].as_str().unwrap().into(),
            stream: std::fs::read(dir.join(c["stream"].as_str().unwrap())).unwrap(),
            buffers: c["buffers"]
                .as_array()
                .unwrap()
                .iter()
                .map(|b| {
                    fory_cli::pickle_cmd::map_file(&dir.join(b["file"].as_str().unwrap())).unwrap()
                })
                .collect(),
            path: dir.join(c["stream"].as_str().unwrap()),
        })
        .collect()
}

#[test]
fn inspect_matches_pickletools() {
    let Some(py) = python() else { return };
    let dir = std::env::temp_dir().join(format!("fory-pickle-cli-{}", std::process::id()));
    for c in cases(&py, &dir) {
        let r = inspect(&c.stream, &c.buffers);
        assert!(r.ok, "{}:\n{}", c.name, r.text);
        let theirs = run(&py, &["-m", "pickletools", c.path.to_str().unwrap()]);
        // ours = pickletools' lines plus annotations after them, plus a summary
        let ours: Vec<&str> = r.text.lines().collect();
        for (k, line) in theirs.lines().enumerate() {
            // long payloads are cut after 48 characters: `'xxx...'... (300 bytes)`
            let cut = match ours[k].rfind("'... (") {
                Some(i) => &ours[k][..i],
                None => ours[k],
            };
            assert!(
                ours[k].starts_with(line.trim_end()) || line.starts_with(cut),
                "{} line {k}:\nours:   {}\ntheirs: {line}",
                c.name,
                ours[k]
            );
        }
        let nbuf = c.buffers.len();
        assert!(
            r.text.contains(&format!("the stream uses {nbuf}")),
            "{}",
            r.text
        );
        if c.buffers.iter().any(|b| !b.is_empty()) && c.name.starts_with("np_") {
            assert!(r.text.contains("(zero-copy)"), "{}", r.text);
            assert!(!r.text.contains("data in-band"), "{}", r.text);
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// `map_file`'s `unsafe` `Mmap::map` without Python: the bytes of the file,
/// a page-aligned map (not a heap copy) that outlives the handle it came
/// from, empty files not mapped, and errors that name the path.
#[test]
#[cfg_attr(miri, ignore)] // Miri cannot memory-map files
fn map_file_maps_the_file() {
    let dir = std::env::temp_dir().join(format!("fory-map-file-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let data: Vec<u8> = (0..=255u8).cycle().take(3 * 4096 + 7).collect();
    let path = dir.join("data.bin");
    std::fs::write(&path, &data).unwrap();
    let map = fory_cli::pickle_cmd::map_file(&path).unwrap();
    assert_eq!(map, data);
    assert_eq!(map.as_ptr() as usize % 4096, 0, "not a memory map");
    let shared = map.slice(4096..);
    drop(map);
    assert_eq!(shared, data[4096..]);
    let empty = dir.join("empty.bin");
    std::fs::write(&empty, b"").unwrap();
    assert!(fory_cli::pickle_cmd::map_file(&empty).unwrap().is_empty());
    let missing = dir.join("missing.bin");
    let err = fory_cli::pickle_cmd::map_file(&missing).unwrap_err();
    assert!(
        err.starts_with(&format!("{}: ", missing.display())),
        "{err}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn to_fory_keeps_buffers_and_pyfory_reads_it() {
    let Some(py) = python() else { return };
    let dir = std::env::temp_dir().join(format!("fory-pickle-tofory-{}", std::process::id()));
    let mut todo = Vec::new();
    for c in cases(&py, &dir) {
        let arrays_only = c.name.starts_with("np_") || c.name.starts_with("proto");
        if !arrays_only || c.name.contains("proto") && c.name.ends_with("values") {
            continue;
        }
        let (stream, out) =
            to_fory(&c.stream, &c.buffers).unwrap_or_else(|e| panic!("{}: {e}", c.name));
        // every input buffer is an output buffer: the same memory, untouched
        // (an array pickled twice shares one input buffer and is written twice)
        for o in &out {
            assert!(
                c.buffers.iter().any(|i| i.as_ptr() == o.as_ptr() && i == o),
                "{}: an output buffer is not an input buffer",
                c.name
            );
        }
        for i in c.buffers.iter().filter(|b| !b.is_empty()) {
            assert!(out.iter().any(|o| o.as_ptr() == i.as_ptr()), "{}", c.name);
        }
        let stem = format!("{}.fory", c.name);
        std::fs::write(dir.join(format!("{stem}.bin")), &stream).unwrap();
        let mut files = Vec::new();
        for (k, b) in out.iter().enumerate() {
            let f = format!("{stem}.bin.oob.{k}.bin");
            std::fs::write(dir.join(&f), b).unwrap();
            files.push(f);
        }
        todo.push(json!({"stream": format!("{stem}.bin"), "buffers": files, "case": c.name}));
    }
    assert!(todo.len() >= 30, "{}", todo.len());
    let n = todo.len();
    std::fs::write(
        dir.join("tofory.json"),
        serde_json::to_vec(&json!({"cases": todo})).unwrap(),
    )
    .unwrap();
    let peer = repo_root().join("tests/python/pickle_peer.py");
    let out = run(
        &py,
        &[peer.to_str().unwrap(), "tofory", dir.to_str().unwrap()],
    );
    assert_eq!(
        out.lines().last(),
        Some(format!("{n} passed, 0 failed").as_str()),
        "{out}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

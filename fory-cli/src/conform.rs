//! `fory conform`: decode every conformance case of a manifest, compare with
//! its expected value, and optionally re-encode under the case's policy.

use std::fs;
use std::path::{Path, PathBuf};

use fory_core::{Fory, Placement, Schema, Value};
use serde_json::Value as Json;

use crate::typed_json;

/// The callback policy of a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OobPolicy {
    /// No callback.
    None,
    /// Everything out-of-band.
    AllOob,
    /// A callback that keeps everything in-band.
    AllInband,
    /// Even calls in-band, odd calls out-of-band.
    Alternate,
}

impl OobPolicy {
    /// Parses the manifest spelling.
    pub fn parse(s: &str) -> Result<OobPolicy, String> {
        Ok(match s {
            "none" => OobPolicy::None,
            "all_oob" => OobPolicy::AllOob,
            "all_inband" => OobPolicy::AllInband,
            "alternate" => OobPolicy::Alternate,
            other => return Err(format!("unknown oob policy {other:?}")),
        })
    }

    /// The placement for callback call `i`.
    pub fn placement(self, i: usize) -> Placement {
        match self {
            OobPolicy::AllOob => Placement::OutOfBand,
            OobPolicy::Alternate if i % 2 == 1 => Placement::OutOfBand,
            _ => Placement::InBand,
        }
    }
}

/// A loaded manifest.
pub struct Manifest {
    /// The parsed JSON.
    pub json: Json,
    /// Its directory.
    pub dir: PathBuf,
}

impl Manifest {
    /// Loads `DIR/cases.json`.
    pub fn load(dir: &Path) -> Result<Manifest, String> {
        let path = dir.join("cases.json");
        let text = fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        let json: Json =
            serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
        if json.get("cases").and_then(Json::as_array).is_none() {
            return Err(format!("{}: no cases list", path.display()));
        }
        Ok(Manifest {
            json,
            dir: dir.to_path_buf(),
        })
    }

    /// The schema of the `types` table (with `T@variant` overrides when given).
    pub fn schema(&self, variant: Option<&str>) -> Result<Schema, String> {
        match self.json.get("types") {
            Some(t) => Schema::from_json(t, variant).map_err(|e| e.to_string()),
            None => Ok(Schema::new()),
        }
    }

    /// Every case.
    pub fn cases(&self) -> &[Json] {
        self.json["cases"]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }
}

/// Reads `DIR/NAME.oob.K.bin` for K = 0, 1, ... until one is missing.
pub fn read_oob_files(dir: &Path, name: &str) -> Result<Vec<Vec<u8>>, String> {
    let mut out = Vec::new();
    loop {
        let p = dir.join(format!("{name}.oob.{}.bin", out.len()));
        if !p.exists() {
            return Ok(out);
        }
        out.push(fs::read(&p).map_err(|e| format!("{}: {e}", p.display()))?);
    }
}

/// A Fory instance for a case config.
pub fn fory_for(case: &Json, schema: Schema) -> Fory {
    let cfg = &case["config"];
    Fory::builder()
        .ref_tracking(cfg["ref"].as_bool().unwrap_or(false))
        .compatible(cfg["compatible"].as_bool().unwrap_or(true))
        .schema(schema)
        .build()
}

/// Decodes a stream, passing buffers iff the header's out-of-band bit is set.
pub fn decode_stream(fory: &Fory, stream: &[u8], buffers: &[Vec<u8>]) -> Result<Value, String> {
    let oob = stream.first().is_some_and(|h| h & 2 != 0);
    let r = if oob {
        fory.deserialize_value_with_buffers(stream, buffers)
    } else if !buffers.is_empty() {
        return Err(format!(
            "{} buffer files but the header's out-of-band bit is clear",
            buffers.len()
        ));
    } else {
        fory.deserialize_value(stream)
    };
    r.map_err(|e| format!("decode error: {e}"))
}

/// Encodes `v` under `policy`, returning the stream and the out-of-band buffers.
pub fn encode_with_policy(
    fory: &Fory,
    v: &Value,
    policy: OobPolicy,
) -> Result<(Vec<u8>, Vec<Vec<u8>>), String> {
    if policy == OobPolicy::None {
        return fory
            .serialize_value(v)
            .map(|b| (b, vec![]))
            .map_err(|e| e.to_string());
    }
    let mut calls = 0usize;
    let mut bufs = Vec::new();
    let stream = fory
        .serialize_value_with_callback(v, |b| {
            let p = policy.placement(calls);
            calls += 1;
            if p == Placement::OutOfBand {
                bufs.push(b.as_bytes().to_vec());
            }
            p
        })
        .map_err(|e| e.to_string())?;
    Ok((stream, bufs))
}

/// Outcome of one case.
pub struct CaseResult {
    /// Case name.
    pub name: String,
    /// `None` when it passed.
    pub failure: Option<String>,
}

fn run_case(m: &Manifest, case: &Json, emit: Option<&Path>) -> Result<(), String> {
    let name = case["name"].as_str().ok_or("case without a name")?;
    let expected = typed_json::from_json(
        case.get("expected")
            .ok_or("case without an expected value")?,
    )?;
    let stream =
        fs::read(m.dir.join(format!("{name}.bin"))).map_err(|e| format!("{name}.bin: {e}"))?;
    let bufs = read_oob_files(&m.dir, name)?;
    let fory = fory_for(case, m.schema(None)?);
    let got = decode_stream(&fory, &stream, &bufs)?;
    typed_json::compare(&expected, &got).map_err(|e| format!("value mismatch: {e}"))?;
    if let Some(rv) = case.get("reader_view") {
        let variant = rv["reader_types"]
            .as_str()
            .ok_or("reader_view without reader_types")?;
        let reader = fory_for(case, m.schema(Some(variant))?);
        let got2 = decode_stream(&reader, &stream, &bufs)
            .map_err(|e| format!("reader view {variant}: {e}"))?;
        let exp2 = typed_json::from_json(&rv["expected"])?;
        typed_json::compare(&exp2, &got2).map_err(|e| format!("reader view {variant}: {e}"))?;
    }
    if let Some(out) = emit {
        let policy = OobPolicy::parse(case["oob_policy"].as_str().unwrap_or("none"))?;
        let (bytes, oob) =
            encode_with_policy(&fory, &got, policy).map_err(|e| format!("re-encode: {e}"))?;
        // Our own bytes must decode back to the same value.
        let again = decode_stream(&fory, &bytes, &oob)
            .map_err(|e| format!("re-decode of our bytes: {e}"))?;
        typed_json::compare(&expected, &again)
            .map_err(|e| format!("our re-encoding reads back differently: {e}"))?;
        fs::write(out.join(format!("{name}.bin")), &bytes).map_err(|e| e.to_string())?;
        for (k, b) in oob.iter().enumerate() {
            fs::write(out.join(format!("{name}.oob.{k}.bin")), b).map_err(|e| e.to_string())?;
        }
    }
    Ok(())
}

/// Runs every conformance case of the manifest in `dir`.
pub fn run(dir: &Path, emit: Option<&Path>, only: &[String]) -> Result<Vec<CaseResult>, String> {
    let m = Manifest::load(dir)?;
    m.schema(None)?;
    if let Some(out) = emit {
        fs::create_dir_all(out).map_err(|e| format!("{}: {e}", out.display()))?;
        fs::copy(dir.join("cases.json"), out.join("cases.json")).map_err(|e| e.to_string())?;
    }
    let mut results = Vec::new();
    for case in m.cases() {
        if !case
            .get("conformance")
            .and_then(Json::as_bool)
            .unwrap_or(true)
        {
            continue;
        }
        let name = case["name"].as_str().unwrap_or("?").to_string();
        if !only.is_empty() && !only.iter().any(|p| name.starts_with(p.as_str())) {
            continue;
        }
        let failure = run_case(&m, case, emit).err();
        results.push(CaseResult { name, failure });
    }
    Ok(results)
}

//! The `fory` command.
//!
//! Exit codes: 0 success, 1 a check failed (conformance failures, decode
//! errors), 2 bad usage or unreadable input files.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use fory_cli::conform::{self, OobPolicy};
use fory_cli::{inspect, typed_json};
use fory_core::{Config, Fory, Schema};

#[derive(Parser)]
#[command(
    name = "fory",
    version,
    about = "Apache Fory xlang streams: inspect, encode, decode, conformance"
)]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(clap::Args, Clone)]
struct ModeArgs {
    /// Types table (the manifest's `types` object, or a whole manifest).
    #[arg(long)]
    types: Option<PathBuf>,
    /// Reference tracking.
    #[arg(long = "ref")]
    ref_tracking: bool,
    /// Compatible mode (TypeDefs); default is schema-consistent.
    #[arg(long)]
    compatible: bool,
}

#[derive(Subcommand)]
enum Cmd {
    /// The main job: a realistic payload round-tripped out-of-band through files, zero-copy.
    Demo {
        /// Number of binary columns.
        #[arg(long, default_value_t = 4)]
        columns: usize,
        /// MiB per column.
        #[arg(long, default_value_t = 32)]
        column_mib: usize,
        /// Keep the files in this directory (default: a temporary one, removed afterwards).
        #[arg(long)]
        dir: Option<PathBuf>,
    },
    /// Print an annotated dump of a stream: offsets, bytes and what they mean.
    Inspect {
        /// The stream.
        file: PathBuf,
        /// Out-of-band buffers, in order (only their sizes are used).
        #[arg(long = "oob")]
        oob: Vec<PathBuf>,
        #[command(flatten)]
        mode: ModeArgs,
    },
    /// Decode a stream to typed JSON.
    Decode {
        /// The stream.
        file: PathBuf,
        /// Out-of-band buffers, in order.
        #[arg(long = "oob")]
        oob: Vec<PathBuf>,
        #[command(flatten)]
        mode: ModeArgs,
    },
    /// Encode typed JSON to a stream.
    Encode {
        /// Typed JSON value.
        value: PathBuf,
        #[command(flatten)]
        mode: ModeArgs,
        /// none, all_oob, all_inband or alternate.
        #[arg(long, default_value = "none")]
        oob_policy: String,
        /// Output stream; buffers go to OUT.oob.K.bin.
        #[arg(short, long)]
        output: PathBuf,
    },
    /// Python pickle protocol 5 streams: inspect, convert to Fory.
    Pickle {
        #[command(subcommand)]
        cmd: fory_cli::pickle_cmd::PickleCmd,
    },
    /// Run the conformance cases of a manifest directory.
    Conform {
        /// Directory with cases.json and the vectors.
        dir: PathBuf,
        /// Re-encode every case into this directory.
        #[arg(long)]
        emit: Option<PathBuf>,
        /// Only cases whose name starts with this prefix.
        #[arg(long)]
        only: Vec<String>,
    },
}

fn load_schema(path: Option<&Path>) -> Result<Schema, String> {
    let Some(p) = path else {
        return Ok(Schema::new());
    };
    let text = fs::read_to_string(p).map_err(|e| format!("{}: {e}", p.display()))?;
    let j: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| format!("{}: {e}", p.display()))?;
    let types = j.get("types").unwrap_or(&j);
    Schema::from_json(types, None).map_err(|e| e.to_string())
}

fn fory(mode: &ModeArgs) -> Result<Fory, String> {
    Ok(Fory::builder()
        .ref_tracking(mode.ref_tracking)
        .compatible(mode.compatible)
        .schema(load_schema(mode.types.as_deref())?)
        .build())
}

fn run(cli: Cli) -> Result<ExitCode, String> {
    match cli.cmd {
        Cmd::Inspect { file, oob, mode } => {
            let data = fs::read(&file).map_err(|e| format!("{}: {e}", file.display()))?;
            let oob_sizes = if oob.is_empty() {
                None
            } else {
                Some(
                    oob.iter()
                        .map(|p| {
                            fs::metadata(p)
                                .map(|m| m.len() as usize)
                                .map_err(|e| format!("{}: {e}", p.display()))
                        })
                        .collect::<Result<Vec<_>, _>>()?,
                )
            };
            let opts = inspect::Options {
                config: Config {
                    ref_tracking: mode.ref_tracking,
                    compatible: mode.compatible,
                    ..Config::default()
                },
                schema: load_schema(mode.types.as_deref())?,
                oob_sizes,
            };
            let report = inspect::inspect(&data, &opts);
            let mut out = std::io::stdout().lock();
            if let Err(e) = out
                .write_all(report.text.as_bytes())
                .and_then(|()| out.flush())
            {
                // `fory inspect big.bin | head` is not an error.
                if e.kind() != std::io::ErrorKind::BrokenPipe {
                    return Err(format!("stdout: {e}"));
                }
            }
            Ok(if report.error.is_some() {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            })
        }
        Cmd::Decode { file, oob, mode } => {
            let f = fory(&mode)?;
            let data = fs::read(&file).map_err(|e| format!("{}: {e}", file.display()))?;
            let bufs = oob
                .iter()
                .map(fs::read)
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| e.to_string())?;
            match conform::decode_stream(&f, &data, &bufs) {
                Ok(v) => {
                    let s = serde_json::to_string_pretty(&typed_json::to_json(&v))
                        .map_err(|e| e.to_string())?;
                    println!("{s}");
                    Ok(ExitCode::SUCCESS)
                }
                Err(e) => {
                    eprintln!("fory: {}: {e}", file.display());
                    Ok(ExitCode::from(1))
                }
            }
        }
        Cmd::Encode {
            value,
            mode,
            oob_policy,
            output,
        } => {
            let f = fory(&mode)?;
            let text =
                fs::read_to_string(&value).map_err(|e| format!("{}: {e}", value.display()))?;
            let j: serde_json::Value =
                serde_json::from_str(&text).map_err(|e| format!("{}: {e}", value.display()))?;
            let v = typed_json::from_json(&j)?;
            let policy = OobPolicy::parse(&oob_policy)?;
            let (bytes, bufs) = conform::encode_with_policy(&f, &v, policy)?;
            fs::write(&output, &bytes).map_err(|e| e.to_string())?;
            for (k, b) in bufs.iter().enumerate() {
                let mut p = output.clone().into_os_string();
                p.push(format!(".oob.{k}.bin"));
                fs::write(PathBuf::from(p), b).map_err(|e| e.to_string())?;
            }
            eprintln!(
                "wrote {} bytes and {} out-of-band buffer(s)",
                bytes.len(),
                bufs.len()
            );
            Ok(ExitCode::SUCCESS)
        }
        Cmd::Demo {
            columns,
            column_mib,
            dir,
        } => {
            let (path, temp) = match dir {
                Some(d) => (d, false),
                None => (
                    std::env::temp_dir().join(format!("fory-demo-{}", std::process::id())),
                    true,
                ),
            };
            fs::create_dir_all(&path).map_err(|e| format!("{}: {e}", path.display()))?;
            let report = fory_cli::demo::run(&path, columns, column_mib << 20);
            if let Ok(r) = &report {
                fory_cli::demo::print(r, &path);
            }
            if temp {
                let _ = fs::remove_dir_all(&path);
            }
            let r = report?;
            Ok(if r.zero_copy_verified {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
        Cmd::Pickle { cmd } => fory_cli::pickle_cmd::run(cmd),
        Cmd::Conform { dir, emit, only } => {
            let results = conform::run(&dir, emit.as_deref(), &only)?;
            let mut out = std::io::stdout().lock();
            let mut failed = 0;
            for r in &results {
                if let Some(f) = &r.failure {
                    failed += 1;
                    let _ = writeln!(out, "FAIL {}: {f}", r.name);
                }
            }
            let _ = writeln!(out, "{} passed, {} failed", results.len() - failed, failed);
            Ok(if failed == 0 {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("fory: {e}");
            ExitCode::from(2)
        }
    }
}

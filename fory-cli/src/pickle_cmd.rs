//! `fory pickle`: Python pickle protocol 5 streams with out-of-band buffers.
//!
//! * `fory pickle inspect FILE [--buffer BUF]...`: a `pickletools.dis`-style
//!   listing with each `NEXT_BUFFER`'s buffer and size, which globals are
//!   allowed, then what the stream loads to (arrays with dtype, shape,
//!   layout and which buffer holds their data). Exit code 1 when the stream
//!   does not load.
//! * `fory pickle to-fory IN.pkl [--buffer BUF]... -o OUT.bin`: the same
//!   value as a Fory xlang stream (see `fory_pickle::fory_value` for the
//!   array map), written with a buffer callback: every BINARY whose bytes
//!   are one of the input buffers goes out-of-band again, to
//!   `OUT.bin.oob.K.bin`, byte for byte the input buffer (the bytes are
//!   memory-mapped and never copied on the way). Everything else stays
//!   in-band. pyfory reads it with `deserialize(data, buffers=[...])`.

use std::fmt::Write as _;
use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use bytes::Bytes;
use fory_core::{Fory, Placement};
use fory_pickle::{Layout, PickleValue};

/// The `fory pickle` subcommands.
#[derive(clap::Subcommand, Debug)]
pub enum PickleCmd {
    /// Disassemble a pickle (like `pickletools.dis`) with its out-of-band buffers' sizes, then show what it loads to.
    Inspect {
        /// The pickle stream.
        file: PathBuf,
        /// Out-of-band buffers, in NEXT_BUFFER order.
        #[arg(long = "buffer")]
        buffers: Vec<PathBuf>,
    },
    /// Convert a pickle-5 stream of numpy arrays (or a dict/list of them) to a Fory stream; out-of-band buffers stay the same bytes.
    ToFory {
        /// The pickle stream.
        input: PathBuf,
        /// Out-of-band buffers, in NEXT_BUFFER order.
        #[arg(long = "buffer")]
        buffers: Vec<PathBuf>,
        /// The Fory stream; its buffers go to OUTPUT.oob.K.bin.
        #[arg(short, long)]
        output: PathBuf,
    },
}

/// Reads a file as `Bytes`, memory-mapped (no copy) when it is not empty.
pub fn map_file(p: &Path) -> Result<Bytes, String> {
    let f = fs::File::open(p).map_err(|e| format!("{}: {e}", p.display()))?;
    let len = f
        .metadata()
        .map_err(|e| format!("{}: {e}", p.display()))?
        .len();
    if len == 0 {
        return Ok(Bytes::new());
    }
    // SAFETY: `Mmap::map` is unsafe because the map is handed out as a
    // `&[u8]` that is only immutable while nobody modifies or truncates the
    // file: a write would change bytes behind a shared reference, and a
    // truncation makes reads of the lost pages fault (SIGBUS). This process
    // only reads the file, and the map lives inside the returned `Bytes` as
    // long as any view of it does. That no other process changes an input
    // file while this short-lived command runs is an assumption, not
    // something a reader can enforce (the caveat of every mmap-based tool).
    // Empty files are not mapped (above). Tested by
    // tests/tests/pickle_cli.rs `map_file_maps_the_file` (not under Miri:
    // Miri cannot map files).
    let map = unsafe { memmap2::Mmap::map(&f) }.map_err(|e| format!("{}: {e}", p.display()))?;
    Ok(Bytes::from_owner(map))
}

/// What `inspect` printed and whether the stream loads.
#[derive(Debug)]
pub struct InspectReport {
    /// The text.
    pub text: String,
    /// Whether the disassembly and the load both succeeded.
    pub ok: bool,
}

fn which_buffer(p: *const u8, buffers: &[Bytes]) -> Option<usize> {
    buffers.iter().position(|b| b.as_ptr_range().contains(&p))
}

fn describe(
    v: &PickleValue<'_>,
    buffers: &[Bytes],
    depth: usize,
    out: &mut String,
    lines: &mut usize,
) {
    if *lines == 0 {
        return;
    }
    *lines -= 1;
    let pad = "  ".repeat(depth + 1);
    let seq = |out: &mut String, lines: &mut usize, items: &[PickleValue<'_>]| {
        for (k, x) in items.iter().enumerate() {
            if *lines == 0 {
                let _ = writeln!(out, "{pad}  ... {} more", items.len() - k);
                break;
            }
            describe(x, buffers, depth + 1, out, lines);
        }
    };
    match v {
        PickleValue::Array(a) => {
            let layout = match a.layout() {
                Layout::C => "C".to_string(),
                Layout::F => "F".to_string(),
                Layout::Permuted(ax) => format!("K, axes {ax:?}"),
                Layout::Strided => format!("strided {:?}", a.strides()),
            };
            let place = match a
                .data()
                .raw()
                .ok()
                .and_then(|r| which_buffer(r.as_ptr(), buffers))
            {
                _ if a.nbytes() == 0 => "no data".to_string(),
                Some(i) => format!("data in out-of-band buffer #{i} (zero-copy)"),
                None => "data in-band".to_string(),
            };
            let _ = writeln!(
                out,
                "{pad}ndarray {} {:?} {layout}{}, {} bytes, {place}",
                a.dtype(),
                a.shape(),
                if a.readonly() { ", read-only" } else { "" },
                a.nbytes()
            );
        }
        PickleValue::Dict(entries) => {
            let _ = writeln!(out, "{pad}dict ({} entries)", entries.len());
            for (k, (key, x)) in entries.iter().enumerate() {
                if *lines == 0 {
                    let _ = writeln!(out, "{pad}  ... {} more", entries.len() - k);
                    break;
                }
                let key = match key {
                    PickleValue::Str(s) => format!("{s:?}"),
                    PickleValue::Int(i) => i.to_string(),
                    other => other.type_name().to_string(),
                };
                let _ = writeln!(out, "{pad}  [{key}]:");
                describe(x, buffers, depth + 2, out, lines);
            }
        }
        PickleValue::List(x)
        | PickleValue::Tuple(x)
        | PickleValue::Set(x)
        | PickleValue::FrozenSet(x) => {
            let _ = writeln!(out, "{pad}{} ({} items)", v.type_name(), x.len());
            seq(out, lines, x);
        }
        PickleValue::Buffer(pb) => {
            let place = match pb
                .raw()
                .ok()
                .and_then(|r| which_buffer(r.as_ptr(), buffers))
            {
                Some(i) => format!("out-of-band buffer #{i}"),
                None => "in-band".into(),
            };
            let _ = writeln!(
                out,
                "{pad}PickleBuffer {} bytes{}, {place}",
                pb.len(),
                if pb.readonly() { ", read-only" } else { "" }
            );
        }
        PickleValue::Str(s) if s.len() > 60 => {
            let _ = writeln!(out, "{pad}str ({} bytes)", s.len());
        }
        PickleValue::Bytes(b) | PickleValue::ByteArray(b) => {
            let _ = writeln!(out, "{pad}{} ({} bytes)", v.type_name(), b.len());
        }
        PickleValue::Str(s) => {
            let _ = writeln!(out, "{pad}str {s:?}");
        }
        PickleValue::Int(i) => {
            let _ = writeln!(out, "{pad}int {i}");
        }
        PickleValue::BigInt(i) => {
            let _ = writeln!(out, "{pad}int {i}");
        }
        PickleValue::Float(f) => {
            let _ = writeln!(out, "{pad}float {f:?}");
        }
        PickleValue::Bool(b) => {
            let _ = writeln!(out, "{pad}bool {b}");
        }
        PickleValue::None => {
            let _ = writeln!(out, "{pad}None");
        }
        PickleValue::Dtype(d) => {
            let _ = writeln!(out, "{pad}dtype {d}");
        }
    }
}

/// The `inspect` report for a stream and its buffers.
pub fn inspect(data: &[u8], buffers: &[Bytes]) -> InspectReport {
    let sizes: Vec<usize> = buffers.iter().map(Bytes::len).collect();
    let d = fory_pickle::dis(data, (!buffers.is_empty()).then_some(&sizes[..]));
    let mut text = d.text;
    let mut ok = d.error.is_none();
    if ok {
        match fory_pickle::loads_shared(data, buffers) {
            Ok(v) => {
                text.push_str("value:\n");
                let mut lines = 200;
                describe(&v, buffers, 0, &mut text, &mut lines);
            }
            Err(e) => {
                ok = false;
                let _ = writeln!(text, "load error: {e}");
            }
        }
    }
    InspectReport { text, ok }
}

/// Converts a pickle and its buffers to a Fory stream and its out-of-band
/// buffers (shared with `buffers`: the same memory, not copies).
pub fn to_fory(data: &[u8], buffers: &[Bytes]) -> Result<(Vec<u8>, Vec<Bytes>), String> {
    let v = fory_pickle::loads_shared(data, buffers).map_err(|e| e.to_string())?;
    let value = fory_pickle::to_fory(&v).map_err(|e| e.to_string())?;
    let fory = Fory::builder().build();
    let mut out = Vec::new();
    let stream = fory
        .serialize_value_with_callback(&value, |b| {
            let bytes = b.as_bytes();
            match which_buffer(bytes.as_ptr(), buffers) {
                Some(i) if !bytes.is_empty() => {
                    // a slice of the input buffer itself: shared, not copied
                    let start = bytes.as_ptr() as usize - buffers[i].as_ptr() as usize;
                    out.push(buffers[i].slice(start..start + bytes.len()));
                    Placement::OutOfBand
                }
                _ => Placement::InBand,
            }
        })
        .map_err(|e| e.to_string())?;
    Ok((stream, out))
}

fn write_stdout(text: &str) -> Result<(), String> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        // `fory pickle inspect big.pkl | head` is not an error
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(format!("stdout: {e}")),
        _ => Ok(()),
    }
}

/// Runs a `fory pickle` subcommand. Exit codes: 0 success, 1 the stream
/// does not load or convert, `Err` (exit 2) unreadable files.
pub fn run(cmd: PickleCmd) -> Result<ExitCode, String> {
    match cmd {
        PickleCmd::Inspect { file, buffers } => {
            let data = fs::read(&file).map_err(|e| format!("{}: {e}", file.display()))?;
            let bufs = buffers
                .iter()
                .map(|p| map_file(p))
                .collect::<Result<Vec<_>, _>>()?;
            let r = inspect(&data, &bufs);
            write_stdout(&r.text)?;
            Ok(if r.ok {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
        PickleCmd::ToFory {
            input,
            buffers,
            output,
        } => {
            let data = fs::read(&input).map_err(|e| format!("{}: {e}", input.display()))?;
            let bufs = buffers
                .iter()
                .map(|p| map_file(p))
                .collect::<Result<Vec<_>, _>>()?;
            let (stream, out) = match to_fory(&data, &bufs) {
                Ok(x) => x,
                Err(e) => {
                    eprintln!("fory: {}: {e}", input.display());
                    return Ok(ExitCode::from(1));
                }
            };
            fs::write(&output, &stream).map_err(|e| format!("{}: {e}", output.display()))?;
            for (k, b) in out.iter().enumerate() {
                let mut p = output.clone().into_os_string();
                p.push(format!(".oob.{k}.bin"));
                let p = PathBuf::from(p);
                fs::write(&p, b).map_err(|e| format!("{}: {e}", p.display()))?;
            }
            eprintln!(
                "wrote {} bytes and {} out-of-band buffer(s) ({} bytes)",
                stream.len(),
                out.len(),
                out.iter().map(Bytes::len).sum::<usize>()
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}

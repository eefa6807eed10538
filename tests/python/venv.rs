//! The Python side of the interop tests, shared by every crate's tests
//! through `#[path = ".../tests/python/venv.rs"] mod venv;`: the repository
//! root, and the venv interpreter that `tests/python/setup_venv.sh` creates
//! with pinned `pyfory==1.7.7 numpy pandas`. `FORY_SKIP_PYTHON=1` skips.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The repository root (every crate of the workspace sits one level below it).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace root")
        .to_path_buf()
}

/// The venv's `python`, created on first use by `tests/python/setup_venv.sh`;
/// `None` when `FORY_SKIP_PYTHON=1`. A failing setup fails the test with the
/// script's stderr.
pub fn python() -> Option<String> {
    if std::env::var("FORY_SKIP_PYTHON").is_ok_and(|v| v == "1") {
        eprintln!("FORY_SKIP_PYTHON=1: skipping the Python side");
        return None;
    }
    let out = Command::new("bash")
        .arg(repo_root().join("tests/python/setup_venv.sh"))
        .output()
        .expect("run setup_venv.sh");
    assert!(
        out.status.success(),
        "setup_venv.sh failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    let py = stdout.lines().last().expect("python path").trim();
    Some(py.to_string())
}

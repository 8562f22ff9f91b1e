//! Helpers shared by the integration tests.

use std::{
    path::{Path, PathBuf},
    time::Duration,
};

use lambda_harness::{Function, Harness};

pub const ECHO_LAMBDA: &str = env!("CARGO_BIN_EXE_echo-lambda");
pub const LAMBDA_HARNESS: &str = env!("CARGO_BIN_EXE_lambda-harness");

/// Generous, so a loaded CI machine does not turn a slow start into a failure; no test asserts on timing.
pub const PATIENCE: Duration = Duration::from_secs(30);

pub fn harness() -> Harness {
    Harness::new().init_timeout(PATIENCE)
}

pub fn echo(envs: &[(&str, &str)]) -> Function {
    match harness().spawn(ECHO_LAMBDA, envs) {
        Ok(function) => function,
        Err(error) => panic!("echo-lambda did not start: {error}"),
    }
}

/// A file under the system temp dir, removed when dropped; named per process and test so parallel tests and
/// runs do not collide.
pub struct TempFile(PathBuf);

impl TempFile {
    pub fn new(name: &str) -> Self {
        Self(std::env::temp_dir().join(format!("lambda-harness-test-{}-{name}", std::process::id())))
    }

    pub fn with_text(name: &str, text: &str) -> Self {
        let file = Self::new(name);
        std::fs::write(&file.0, text).unwrap();
        file
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

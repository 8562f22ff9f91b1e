//! How functions are started: the settings shared by every function a test or the CLI runs, and `spawn`.

use std::{
    ffi::OsStr,
    fs::{File, OpenOptions},
    path::{Path, PathBuf},
    sync::Arc,
    time::Duration,
};

use crate::{
    Function, HarnessError, environment::LambdaEnvironment, exchange::Exchange, process::ChildProcess,
    runtime_api::RuntimeApi,
};

/// Lambda's limit on the init phase of an on-demand function.
const LAMBDA_INIT_TIMEOUT: Duration = Duration::from_secs(10);

/// Starts Lambda binaries, each with its own Runtime API on 127.0.0.1 (one per execution environment, as in
/// Lambda: a shared endpoint could not tell which process is asking for the next event).
#[derive(Debug, Clone)]
pub struct Harness {
    init_timeout: Duration,
    log_file: Option<PathBuf>,
}

impl Default for Harness {
    fn default() -> Self {
        Self { init_timeout: LAMBDA_INIT_TIMEOUT, log_file: None }
    }
}

impl Harness {
    pub fn new() -> Self {
        Self::default()
    }

    /// How long a function may take to ask for its first event (default 10 s, Lambda's limit).
    pub fn init_timeout(mut self, timeout: Duration) -> Self {
        self.init_timeout = timeout;
        self
    }

    /// Also appends every function's output to this file as it arrives (`/dev/stderr` shows it live).
    pub fn log_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.log_file = Some(path.into());
        self
    }

    /// Starts `binary` with the Lambda environment (`AWS_LAMBDA_FUNCTION_NAME` from the file name, 128 MB,
    /// `$LATEST`, `us-east-1`) overridden by `envs`, pointed at a fresh Runtime API. Returns without waiting for
    /// the function's init; [`Function::invoke`] and [`Function::wait_ready`] wait for it.
    pub fn spawn<K, V>(&self, binary: impl AsRef<Path>, envs: &[(K, V)]) -> Result<Function, HarnessError>
    where
        K: AsRef<OsStr>,
        V: AsRef<OsStr>,
    {
        let binary = binary.as_ref();
        let tee = self.log_file.as_deref().map(open_log_file).transpose()?;
        let exchange = Arc::new(Exchange::default());
        let api = RuntimeApi::start(Arc::clone(&exchange))?;
        let environment = LambdaEnvironment::new(binary, envs, |name| std::env::var_os(name), api.address());
        let process = ChildProcess::spawn(binary, &environment.vars, tee)?;
        Ok(Function::new(process, api, exchange, environment.function_arn, self.init_timeout))
    }
}

fn open_log_file(path: &Path) -> Result<File, HarnessError> {
    // Append, never truncate: several functions may share the file, and `/dev/stderr` may be a redirect.
    OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(|source| HarnessError::LogFile { path: path.to_owned(), source })
}

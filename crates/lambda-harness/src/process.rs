//! The function's operating-system process: started with exactly the Lambda environment, its output captured,
//! its exit noticed without blocking, and killed when dropped.

use std::{
    collections::BTreeMap,
    ffi::OsString,
    fs::File,
    path::Path,
    process::{Child, Command, ExitStatus, Stdio},
    time::{Duration, Instant},
};

use crate::{HarnessError, output::CapturedOutput, peak_rss};

/// Lines of output an error message carries.
const TAIL_LINES: usize = 20;

pub(crate) struct ChildProcess {
    child: Child,
    /// Taken just before the spawn, so the init figure includes exec and the runtime's own start-up.
    pub(crate) spawned_at: Instant,
    output: CapturedOutput,
    exit: Option<ExitStatus>,
}

impl ChildProcess {
    pub(crate) fn spawn(
        binary: &Path,
        vars: &BTreeMap<OsString, OsString>,
        tee: Option<File>,
    ) -> Result<Self, HarnessError> {
        let spawn_error = |source| HarnessError::Spawn { binary: binary.to_owned(), source };
        let mut command = Command::new(binary);
        command.env_clear().envs(vars).stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
        let spawned_at = Instant::now();
        let child = command.spawn().map_err(spawn_error)?;

        let output = CapturedOutput::new(tee);
        let mut process = Self { child, spawned_at, output, exit: None };
        // Dropping `process` on an error below kills the child, so no orphan is left behind.
        if let Some(stdout) = process.child.stdout.take() {
            process.output.capture(stdout).map_err(spawn_error)?;
        }
        if let Some(stderr) = process.child.stderr.take() {
            process.output.capture(stderr).map_err(spawn_error)?;
        }
        Ok(process)
    }

    pub(crate) fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The exit status if the process has exited, without waiting; once seen, it is remembered.
    pub(crate) fn exit_status(&mut self) -> Option<ExitStatus> {
        if self.exit.is_none() {
            // An error here (the child already reaped elsewhere) cannot happen while this owns the child;
            // treating it as "still running" leaves the caller's timeout as the backstop.
            self.exit = self.child.try_wait().ok().flatten();
        }
        self.exit
    }

    pub(crate) fn peak_rss_kib(&self) -> Option<u64> {
        // After the exit has been seen the pid may belong to another process.
        match self.exit {
            Some(_) => None,
            None => peak_rss::peak_rss_kib(self.pid()),
        }
    }

    pub(crate) fn output(&self) -> String {
        self.output.text()
    }

    pub(crate) fn output_tail(&self) -> String {
        self.output.tail(TAIL_LINES)
    }

    /// Kills the process and reaps it, waiting at most a moment: SIGKILL cannot be ignored, but a `Drop` must
    /// not hang if something unforeseen keeps the process around.
    pub(crate) fn kill(&mut self) {
        if self.exit.is_some() {
            return;
        }
        let _ = self.child.kill();
        let deadline = Instant::now() + Duration::from_secs(2);
        while self.exit_status().is_none() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(5));
        }
    }
}

impl Drop for ChildProcess {
    fn drop(&mut self) {
        self.kill();
    }
}

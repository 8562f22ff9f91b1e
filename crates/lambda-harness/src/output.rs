//! What a function process writes to stdout and stderr, kept line by line in arrival order so tests can assert
//! on logs and failures can show the last lines; optionally appended to a file as it arrives.
//!
//! The pipes are non-blocking and drained under a lock, both by a thread per pipe (so a chatty function never
//! blocks on a full pipe) and by every read of the text. A read therefore holds everything the process wrote
//! before it: a test asserting on a log line right after `invoke` cannot race the reader threads.

use std::{
    fs::File,
    io::{ErrorKind, Read, Write},
    os::fd::OwnedFd,
    sync::{Arc, Mutex, MutexGuard, PoisonError},
};

use rustix::event::{PollFd, PollFlags, poll};

#[derive(Clone, Default)]
pub(crate) struct CapturedOutput {
    shared: Arc<Shared>,
}

#[derive(Default)]
struct Shared {
    text: Mutex<String>,
    tee: Option<Mutex<File>>,
    pipes: Mutex<Vec<Arc<Pipe>>>,
}

struct Pipe {
    file: File,
    /// Bytes after the last newline; its lock also makes each drain of the pipe exclusive.
    partial: Mutex<Vec<u8>>,
}

#[derive(PartialEq, Eq)]
enum PipeState {
    Open,
    Closed,
}

/// A panic in another thread must not silence the function's logs; the guarded data stays consistent.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl CapturedOutput {
    pub(crate) fn new(tee: Option<File>) -> Self {
        Self { shared: Arc::new(Shared { tee: tee.map(Mutex::new), ..Shared::default() }) }
    }

    /// Captures `pipe` from now on, reading it on its own thread until the process closes it.
    pub(crate) fn capture(&self, pipe: impl Into<OwnedFd>) -> std::io::Result<()> {
        let file = File::from(pipe.into());
        rustix::io::ioctl_fionbio(&file, true)?;
        let pipe = Arc::new(Pipe { file, partial: Mutex::default() });
        lock(&self.shared.pipes).push(Arc::clone(&pipe));
        let output = self.clone();
        std::thread::Builder::new().name("function-output".into()).spawn(move || {
            while output.drain(&pipe) == PipeState::Open {
                // Wakes on data or on the hang-up at exit; an error (a signal) just means draining again.
                let _ = poll(&mut [PollFd::new(&pipe.file, PollFlags::IN)], None);
            }
        })?;
        Ok(())
    }

    /// Reads everything the pipe holds now, appending the complete lines.
    fn drain(&self, pipe: &Pipe) -> PipeState {
        let mut partial = lock(&pipe.partial);
        let mut chunk = [0_u8; 16 * 1024];
        loop {
            match (&pipe.file).read(&mut chunk) {
                Ok(0) => {
                    // End of output: a last line without a newline still belongs to the logs.
                    if !partial.is_empty() {
                        partial.push(b'\n');
                        self.append(&partial);
                        partial.clear();
                    }
                    return PipeState::Closed;
                }
                Ok(read) => {
                    partial.extend_from_slice(&chunk[..read]);
                    if let Some(last_newline) = partial.iter().rposition(|&byte| byte == b'\n') {
                        let lines: Vec<u8> = partial.drain(..=last_newline).collect();
                        self.append(&lines);
                    }
                }
                Err(error) if error.kind() == ErrorKind::Interrupted => {}
                Err(error) if error.kind() == ErrorKind::WouldBlock => return PipeState::Open,
                Err(_) => return PipeState::Closed,
            }
        }
    }

    /// Appends whole lines, so stdout and stderr never interleave mid-line. A UTF-8 character never spans a
    /// newline, so decoding whole lines loses nothing that was valid.
    fn append(&self, lines: &[u8]) {
        let lines = String::from_utf8_lossy(lines);
        lock(&self.shared.text).push_str(&lines);
        if let Some(tee) = &self.shared.tee {
            // Best effort: a full disk must not fail an invocation; the in-memory copy still has the line.
            let _ = lock(tee).write_all(lines.as_bytes());
        }
    }

    /// Everything written so far, including what is still in the pipes.
    pub(crate) fn text(&self) -> String {
        for pipe in lock(&self.shared.pipes).iter() {
            self.drain(pipe);
        }
        lock(&self.shared.text).clone()
    }

    /// The last `lines` lines, for error messages.
    pub(crate) fn tail(&self, lines: usize) -> String {
        let text = self.text();
        let kept: Vec<&str> = text.lines().rev().take(lines).collect();
        if kept.is_empty() {
            return "(no output)".to_owned();
        }
        kept.into_iter().rev().collect::<Vec<_>>().join("\n")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn captured() -> (CapturedOutput, std::io::PipeWriter) {
        let (reader, writer) = std::io::pipe().unwrap();
        let output = CapturedOutput::default();
        output.capture(reader).unwrap();
        (output, writer)
    }

    #[test]
    fn what_was_written_is_there_as_soon_as_it_is_read() {
        let (output, mut writer) = captured();

        writer.write_all(b"first\nsecond\n").unwrap();

        assert_eq!(output.text(), "first\nsecond\n");
    }

    #[test]
    fn a_line_waits_for_its_newline_and_a_last_unterminated_line_is_closed_at_the_end() {
        let (output, mut writer) = captured();

        writer.write_all(b"done\nhalf").unwrap();
        assert_eq!(output.text(), "done\n");
        drop(writer);

        assert_eq!(output.text(), "done\nhalf\n");
    }

    #[test]
    fn invalid_utf8_is_kept_lossily() {
        let (output, mut writer) = captured();

        writer.write_all(&[0x66, 0xff, 0x0a]).unwrap();

        assert_eq!(output.text(), "f\u{fffd}\n");
    }

    #[test]
    fn the_tail_keeps_the_last_lines() {
        let output = CapturedOutput::default();
        output.append(b"a\nb\nc\n");

        assert_eq!(output.tail(2), "b\nc");
        assert_eq!(CapturedOutput::default().tail(2), "(no output)");
    }
}

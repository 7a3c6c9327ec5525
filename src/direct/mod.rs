//! Large files read and written straight from and to the device (`O_DIRECT`), not through
//! the page cache.
//!
//! On this project's machine the kernel's copy between the page cache and a program costs
//! far more than the device's own transfer: `dd` of the padded 1M research file (0.86 GB)
//! from the page cache took 0.4-1.2 s of system time, with `iflag=direct` 0.02-0.03 s (at 1.4-
//! 1.7 GB/s); 11 GB written through the page cache 21 s of system time, directly 1.0 s
//! (BENCHMARKS.md, sessions 14 and 16). Blocks the page cache already holds are read from
//! it (`direct/cached.rs`): copying them costs less than waiting for the device again. Where
//! `O_DIRECT` is not offered (another system, a file system that refuses it on opening,
//! reading or writing), the page cache is used.

mod cached;
mod read;
mod write;

pub use read::{BlockReader, BufferedReader, ReadAhead, padding};
pub use write::DirectFile;

use std::fs::{File, OpenOptions};
use std::path::Path;
use std::thread::JoinHandle;

/// Block size of the device: a transfer's address in memory, length and offset in the file
/// are multiples of it.
pub const ALIGN: usize = 4096;

/// A folder of its own for one test's files, removed with them when dropped (tests run side
/// by side: each names its own).
#[cfg(test)]
struct Scratch(std::path::PathBuf);

#[cfg(test)]
impl Scratch {
    fn new(test: &str) -> std::io::Result<Scratch> {
        let dir = std::env::temp_dir().join(format!("clearstat-{test}-{}", std::process::id()));
        std::fs::create_dir_all(&dir)?;
        Ok(Scratch(dir))
    }

    fn path(&self, name: &str) -> std::path::PathBuf {
        self.0.join(name)
    }
}

#[cfg(test)]
impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// `path` opened with `options` and `O_DIRECT`; None where that is not offered.
#[cfg(target_os = "linux")]
fn open(path: &Path, mut options: OpenOptions) -> Option<File> {
    use std::os::unix::fs::OpenOptionsExt;
    options.custom_flags(libc::O_DIRECT).open(path).ok()
}

#[cfg(not(target_os = "linux"))]
fn open(_path: &Path, _options: OpenOptions) -> Option<File> {
    None
}

/// A thread fed or drained through one end of a channel, held here: closing that end ends
/// the thread, which is then waited for ([`Background::join`], or on dropping).
struct Background<C, T> {
    channel: Option<C>,
    thread: Option<JoinHandle<T>>,
}

impl<C, T: Send + 'static> Background<C, T> {
    fn spawn(channel: C, work: impl FnOnce() -> T + Send + 'static) -> Self {
        Background {
            channel: Some(channel),
            thread: Some(std::thread::spawn(work)),
        }
    }

    /// The channel's end, until it is closed.
    fn channel(&self) -> Option<&C> {
        self.channel.as_ref()
    }

    /// Closes the channel and waits for the thread: what it returned, None if it was
    /// already waited for. Its panic goes on here.
    fn join(&mut self) -> Option<T> {
        self.channel = None;
        let thread = self.thread.take()?;
        Some(
            thread
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
        )
    }
}

impl<C, T> Drop for Background<C, T> {
    fn drop(&mut self) {
        self.channel = None;
        if let Some(thread) = self.thread.take() {
            // Not resumed here: a panic while dropping (maybe unwinding already) aborts.
            let _ = thread.join();
        }
    }
}

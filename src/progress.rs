//! Progress of the long streaming passes (reading the input, writing the gogen bundle):
//! a bar with bytes per second and the time left, on stderr when it is a terminal and the run
//! is not `--quiet`; nothing at all otherwise (CI, pipes, logs).

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressStyle};

/// Bytes between two updates of the bar: updates stay rare enough to cost nothing measurable.
const STEP: u64 = 4 << 20;

/// A progress bar over a number of bytes, or nothing.
pub struct Progress {
    bar: Option<ProgressBar>,
    pending: u64,
}

impl Progress {
    /// A bar labelled `label` over `total` bytes, shown only when `wanted` and stderr is a
    /// terminal.
    pub fn bytes(label: &str, total: u64, wanted: bool) -> Progress {
        let bar = (wanted && std::io::stderr().is_terminal()).then(|| {
            let bar = ProgressBar::new(total);
            let style = ProgressStyle::with_template(
                "{msg:<24} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} ETA {eta}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> ");
            bar.set_style(style);
            bar.set_message(label.to_string());
            bar
        });
        Progress { bar, pending: 0 }
    }

    /// `n` more bytes done.
    pub fn advance(&mut self, n: u64) {
        if let Some(bar) = &self.bar {
            self.pending += n;
            if self.pending >= STEP {
                bar.inc(self.pending);
                self.pending = 0;
            }
        }
    }

    /// Removes the bar.
    pub fn finish(self) {
        if let Some(bar) = self.bar {
            bar.finish_and_clear();
        }
    }
}

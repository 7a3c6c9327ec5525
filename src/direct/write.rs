//! Writing a large output straight to the device, not through the page cache.
//!
//! The gogen bundle of a 10M-row file is 11 GB. Written through the page cache, the kernel's
//! copy of it took 14-22 s of CPU on this project's machine (`dd` of 11 GB: 21.9 s, 21.1 s of
//! it system time), more than the rest of the run had left to hide it behind; written with
//! `O_DIRECT` in whole aligned blocks, 6.6 s and 1.0 s of CPU (BENCHMARKS.md, session 14).
//! Only whole blocks go straight to the device; the last, partial one is appended through the
//! page cache. Where `O_DIRECT` is not offered (another system, a file system that refuses
//! it on opening or on writing), the file is written through the page cache instead.

use std::fs::{File, OpenOptions};
use std::io::{self, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use super::ALIGN;

/// Bytes gathered before each write to the device.
const CHUNK: usize = 8 << 20;

/// A file written straight to the device in whole chunks.
pub struct DirectFile {
    file: File,
    path: PathBuf,
    /// Whether `file` was opened with `O_DIRECT` (false once a write was refused).
    direct: bool,
    /// `CHUNK` bytes from `start`, which is aligned to `ALIGN`.
    buffer: Vec<u8>,
    start: usize,
    len: usize,
    /// Bytes written whole before the gathered ones.
    written: u64,
}

impl DirectFile {
    /// Creates `path` (truncated), readable by its owner only; None where `O_DIRECT` is not
    /// offered.
    pub fn create(path: &Path) -> Option<DirectFile> {
        let mut options = OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        Some(DirectFile::with_file(
            super::open(path, options)?,
            path,
            true,
        ))
    }

    fn with_file(file: File, path: &Path, direct: bool) -> DirectFile {
        let buffer = vec![0u8; CHUNK + ALIGN];
        let start = buffer.as_ptr().align_offset(ALIGN);
        DirectFile {
            file,
            path: path.to_path_buf(),
            direct,
            buffer,
            start,
            len: 0,
            written: 0,
        }
    }

    /// Writes what is gathered: the whole blocks to the device, the rest (only at the end)
    /// through the page cache.
    pub fn finish(mut self) -> io::Result<()> {
        let whole = self.len / ALIGN * ALIGN;
        self.write_out(whole)?;
        let rest = self.start + whole..self.start + self.len;
        if !rest.is_empty() {
            self.through_page_cache()?;
            self.file.write_all(&self.buffer[rest])?;
        }
        Ok(())
    }

    /// Writes the first `n` gathered bytes (`n` a multiple of `ALIGN`).
    fn write_out(&mut self, n: usize) -> io::Result<()> {
        let range = self.start..self.start + n;
        match self.file.write_all(&self.buffer[range.clone()]) {
            Err(e) if self.direct && e.kind() == io::ErrorKind::InvalidInput => {
                // Refused on writing (some file systems open with O_DIRECT but do not write
                // with it): written again through the page cache.
                self.through_page_cache()?;
                self.file.write_all(&self.buffer[range])?;
            }
            done => done?,
        }
        self.written += n as u64;
        Ok(())
    }

    /// Goes on through the page cache, after the bytes written whole (a write cut short
    /// before a refusal is cut off).
    fn through_page_cache(&mut self) -> io::Result<()> {
        if self.direct {
            let file = OpenOptions::new().write(true).open(&self.path)?;
            file.set_len(self.written)?;
            self.file = file;
            self.direct = false;
        }
        self.file.seek(SeekFrom::Start(self.written)).map(drop)
    }
}

impl Write for DirectFile {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        let n = data.len().min(CHUNK - self.len);
        let at = self.start + self.len;
        self.buffer[at..at + n].copy_from_slice(&data[..n]);
        self.len += n;
        if self.len == CHUNK {
            self.write_out(CHUNK)?;
            self.len = 0;
        }
        Ok(n)
    }

    /// Nothing: only whole chunks are written before [`DirectFile::finish`].
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Writes `bytes` to `file` in uneven pieces and reads them back.
    fn round_trip(mut file: DirectFile, bytes: &[u8]) -> io::Result<Vec<u8>> {
        let path = file.path.clone();
        for piece in bytes.chunks(1000 + bytes.len() % 7) {
            file.write_all(piece)?;
        }
        file.finish()?;
        std::fs::read(path)
    }

    /// Empty, under a block, whole blocks, a chunk, and past a chunk by a bit; each byte
    /// unlike its neighbours, so that a block out of place shows.
    fn samples() -> impl Iterator<Item = Vec<u8>> {
        let sizes = [
            0,
            1,
            ALIGN - 1,
            ALIGN,
            3 * ALIGN + 7,
            CHUNK,
            CHUNK + ALIGN + 5,
        ];
        sizes
            .into_iter()
            .map(|n| (0..n).map(|i| (i * 31 % 251) as u8).collect())
    }

    fn scratch(name: &str) -> io::Result<PathBuf> {
        let dir = std::env::temp_dir().join(format!("clearstat-direct-{}", std::process::id()));
        std::fs::create_dir_all(&dir)?;
        Ok(dir.join(name))
    }

    #[test]
    fn what_is_written_straight_to_the_device_reads_back_whole() -> io::Result<()> {
        for bytes in samples() {
            let path = scratch(&format!("direct-{}", bytes.len()))?;
            let Some(file) = DirectFile::create(&path) else {
                // Not offered here (not Linux, or a file system without it): the other test
                // covers the page cache's path.
                eprintln!("O_DIRECT not offered in {}", path.display());
                return Ok(());
            };
            assert_eq!(round_trip(file, &bytes)?, bytes, "{} bytes", bytes.len());
            std::fs::remove_file(&path)?;
        }
        Ok(())
    }

    #[test]
    fn a_write_the_device_refuses_goes_through_the_page_cache_whole() -> io::Result<()> {
        let bytes: Vec<u8> = samples().last().unwrap_or_default();
        let path = scratch("refused")?;
        let Some(mut file) = DirectFile::create(&path) else {
            eprintln!("O_DIRECT not offered in {}", path.display());
            return Ok(());
        };
        // A buffer off its alignment: the device refuses it (EINVAL), as a file system
        // that opens with O_DIRECT but does not write with it would.
        file.start += 1;
        assert_eq!(round_trip(file, &bytes)?, bytes);
        std::fs::remove_file(&path)
    }

    #[test]
    fn what_is_written_through_the_page_cache_reads_back_whole() -> io::Result<()> {
        for bytes in samples() {
            let path = scratch(&format!("cached-{}", bytes.len()))?;
            let file = DirectFile::with_file(File::create(&path)?, &path, false);
            assert_eq!(round_trip(file, &bytes)?, bytes, "{} bytes", bytes.len());
            std::fs::remove_file(&path)?;
        }
        Ok(())
    }
}

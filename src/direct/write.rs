//! Writing a large output straight to the device, not through the page cache.
//!
//! The gogen bundle of a 10M-row file is 11 GB. Written through the page cache, the kernel's
//! copy of it took 14-22 s of CPU on this project's machine (`dd` of 11 GB: 21.9 s, 21.1 s of
//! it system time), more than the rest of the run had left to hide it behind; written with
//! `O_DIRECT` in whole aligned blocks, 6.6 s and 1.0 s of CPU (BENCHMARKS.md, session 14).
//! Only whole blocks go straight to the device; the last, partial one is appended through the
//! page cache. Each file's chunks are written by a thread of its own, so that the program
//! gathers the next while the device takes one (once the bundle's rows were read ahead, its
//! writers waited for the device: BENCHMARKS.md, session 17). Where `O_DIRECT` is not
//! offered (another system, a file system that refuses it on opening or on writing), the file
//! is written through the page cache instead.

use std::fs::{File, OpenOptions};
use std::io::{self, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, Sender, SyncSender, channel, sync_channel};

use super::{ALIGN, Background};

/// Bytes gathered before each write to the device.
const CHUNK: usize = 8 << 20;

/// Chunks in use at once: one gathered while the other is written.
const CHUNKS: usize = 2;

/// A file written straight to the device in whole chunks, by a thread of its own, so that the
/// device's transfer of one chunk overlaps the gathering of the next.
pub struct DirectFile {
    /// The chunk being gathered.
    chunk: Chunk,
    /// Chunk buffers made so far (at most [`CHUNKS`]).
    made: usize,
    /// The writing thread, and the whole chunks to it; their buffers come back by `spare`.
    device: Background<SyncSender<Chunk>, io::Result<Device>>,
    spare: Receiver<Vec<u8>>,
}

/// Bytes gathered in an aligned buffer: `len` bytes from `start`.
struct Chunk {
    buffer: Vec<u8>,
    start: usize,
    len: usize,
}

impl Chunk {
    fn new(buffer: Vec<u8>) -> Chunk {
        let start = buffer.as_ptr().align_offset(ALIGN);
        Chunk {
            buffer,
            start,
            len: 0,
        }
    }

    fn bytes(&self) -> &[u8] {
        &self.buffer[self.start..self.start + self.len]
    }
}

/// The file as the writing thread holds it.
struct Device {
    file: File,
    path: PathBuf,
    /// Whether `file` was opened with `O_DIRECT` (false once a write was refused).
    direct: bool,
    /// Bytes written whole so far.
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
        let file = super::open(path, options)?;
        Some(DirectFile::with_device(Device {
            file,
            path: path.to_path_buf(),
            direct: true,
            written: 0,
        }))
    }

    fn with_device(device: Device) -> DirectFile {
        let (to_device, chunks) = sync_channel::<Chunk>(1);
        let (spare_tx, spare) = channel();
        DirectFile {
            chunk: Chunk::new(vec![0u8; CHUNK + ALIGN]),
            made: 1,
            device: Background::spawn(to_device, move || device.write_chunks(chunks, spare_tx)),
            spare,
        }
    }

    /// Writes what is gathered: the whole blocks to the device, the rest (only at the end)
    /// through the page cache.
    pub fn finish(mut self) -> io::Result<()> {
        let whole = self.chunk.len / ALIGN * ALIGN;
        let rest = self.chunk.bytes()[whole..].to_vec();
        self.chunk.len = whole;
        if whole > 0 {
            self.send_chunk()?;
        }
        let mut device = self.written()?;
        if !rest.is_empty() {
            device.through_page_cache()?;
            device.file.write_all(&rest)?;
        }
        Ok(())
    }

    /// Hands the gathered chunk to the writing thread and takes another buffer.
    fn send_chunk(&mut self) -> io::Result<()> {
        let next = if self.made < CHUNKS {
            self.made += 1;
            Some(vec![0u8; CHUNK + ALIGN])
        } else {
            self.spare.recv().ok()
        };
        let sent = match (next, self.device.channel()) {
            (Some(next), Some(to_device)) => {
                let full = std::mem::replace(&mut self.chunk, Chunk::new(next));
                to_device.send(full).is_ok()
            }
            _ => false,
        };
        match sent {
            true => Ok(()),
            // The writing thread stopped (it stops only on failing): its error says why.
            false => Err(self
                .written()
                .err()
                .unwrap_or_else(|| io::Error::other("the file's writing stopped early"))),
        }
    }

    /// Waits for the writing thread to write what it was given; the file, or the error that
    /// stopped it. (A file dropped unfinished lets its thread finish the same way.)
    fn written(&mut self) -> io::Result<Device> {
        self.device
            .join()
            .unwrap_or_else(|| Err(io::Error::other("the file's writing already stopped")))
    }
}

impl Device {
    /// Writes each chunk it is given and hands its buffer back; stops at the first failure.
    fn write_chunks(
        mut self,
        chunks: Receiver<Chunk>,
        spare: Sender<Vec<u8>>,
    ) -> io::Result<Device> {
        for chunk in chunks {
            self.write_out(chunk.bytes())?;
            let _ = spare.send(chunk.buffer);
        }
        Ok(self)
    }

    /// Writes `bytes` (whole blocks, at an aligned address).
    fn write_out(&mut self, bytes: &[u8]) -> io::Result<()> {
        match self.file.write_all(bytes) {
            Err(e) if self.direct && e.kind() == io::ErrorKind::InvalidInput => {
                // Refused on writing (some file systems open with O_DIRECT but do not write
                // with it): written again through the page cache.
                self.through_page_cache()?;
                self.file.write_all(bytes)?;
            }
            done => done?,
        }
        self.written += bytes.len() as u64;
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
        let chunk = &mut self.chunk;
        let n = data.len().min(CHUNK - chunk.len);
        let at = chunk.start + chunk.len;
        chunk.buffer[at..at + n].copy_from_slice(&data[..n]);
        chunk.len += n;
        if chunk.len == CHUNK {
            self.send_chunk()?;
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
    fn round_trip(mut file: DirectFile, path: &Path, bytes: &[u8]) -> io::Result<Vec<u8>> {
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
            3 * CHUNK + 1,
        ];
        sizes
            .into_iter()
            .map(|n| (0..n).map(|i| (i * 31 % 251) as u8).collect())
    }

    use crate::direct::Scratch;

    #[test]
    fn what_is_written_straight_to_the_device_reads_back_whole() -> io::Result<()> {
        let scratch = Scratch::new("write-direct")?;
        for bytes in samples() {
            let path = scratch.path(&format!("direct-{}", bytes.len()));
            let Some(file) = DirectFile::create(&path) else {
                // Not offered here (not Linux, or a file system without it): the other test
                // covers the page cache's path.
                eprintln!("O_DIRECT not offered in {}", path.display());
                return Ok(());
            };
            assert_eq!(
                round_trip(file, &path, &bytes)?,
                bytes,
                "{} bytes",
                bytes.len()
            );
        }
        Ok(())
    }

    #[test]
    fn a_write_the_device_refuses_goes_through_the_page_cache_whole() -> io::Result<()> {
        let bytes: Vec<u8> = samples().last().unwrap_or_default();
        let scratch = Scratch::new("write-refused")?;
        let path = scratch.path("refused");
        let Some(mut file) = DirectFile::create(&path) else {
            eprintln!("O_DIRECT not offered in {}", path.display());
            return Ok(());
        };
        // A first chunk straight to the device, then a buffer off its alignment: the device
        // refuses it (EINVAL), as a file system that opens with O_DIRECT but does not write
        // with it would.
        file.write_all(&bytes[..CHUNK])?;
        file.chunk.start += 1;
        assert_eq!(round_trip(file, &path, &bytes[CHUNK..])?, bytes);
        Ok(())
    }

    #[test]
    fn a_failed_write_is_an_error_of_the_writer() -> io::Result<()> {
        let scratch = Scratch::new("write-read-only")?;
        let path = scratch.path("read-only");
        std::fs::write(&path, b"")?;
        // Opened for reading only: the writing thread's first write fails.
        let mut file = DirectFile::with_device(Device {
            file: File::open(&path)?,
            path: path.clone(),
            direct: false,
            written: 0,
        });
        let bytes = vec![7u8; 3 * CHUNK];
        let failed = match file.write_all(&bytes) {
            Err(e) => e,
            Ok(()) => file.finish().expect_err("a write to a read-only file"),
        };
        assert_eq!(failed.raw_os_error(), Some(libc::EBADF), "{failed}");
        Ok(())
    }

    #[test]
    fn what_is_written_through_the_page_cache_reads_back_whole() -> io::Result<()> {
        let scratch = Scratch::new("write-cached")?;
        for bytes in samples() {
            let path = scratch.path(&format!("cached-{}", bytes.len()));
            let file = DirectFile::with_device(Device {
                file: File::create(&path)?,
                path: path.clone(),
                direct: false,
                written: 0,
            });
            assert_eq!(
                round_trip(file, &path, &bytes)?,
                bytes,
                "{} bytes",
                bytes.len()
            );
        }
        Ok(())
    }
}

//! Reading a file from start to end straight from the device.

use std::fs::{File, OpenOptions};
use std::io::{self, BufRead, Read, Seek, SeekFrom};
use std::mem::MaybeUninit;
use std::path::Path;
use std::sync::mpsc::{Receiver, Sender, SyncSender, channel, sync_channel};

use super::cached::CacheProbe;
use super::{ALIGN, Background};

/// A file read from start to end, appended to buffers. A read of whole device blocks into
/// an aligned place in memory goes straight from the device, unless the page cache holds
/// them all; any other (the end of the file, a buffer out of line), and every read once the
/// device refused one, goes through the page cache. The bytes are the same either way.
pub struct BlockReader {
    cached: File,
    direct: Option<File>,
    /// Asks which blocks the page cache holds (None: read straight whatever it holds).
    probe: Option<CacheProbe>,
    /// Bytes read so far: where the next read starts.
    offset: u64,
    /// Of which read straight from the device.
    direct_bytes: u64,
}

impl BlockReader {
    /// Reads `file`, just opened from `path`, straight from the device where `path` can be
    /// opened so (and is still the same file: one put in its place in between is read
    /// through `file` alone).
    pub fn new(file: File, path: &Path) -> BlockReader {
        let mut options = OpenOptions::new();
        options.read(true);
        let direct = super::open(path, options).filter(|direct| same_file(&file, direct));
        let probe = direct.as_ref().and_then(|_| CacheProbe::new(&file));
        BlockReader {
            cached: file,
            direct,
            probe,
            offset: 0,
            direct_bytes: 0,
        }
    }

    /// Appends up to `want` bytes of the file to `bytes`: fewer only where the file ends.
    /// Straight from the device when `want` is a multiple of [`ALIGN`] and `bytes` ends at
    /// an address that is (see [`padding`]) with room for `want` more.
    pub fn append(&mut self, bytes: &mut Vec<u8>, want: usize) -> io::Result<usize> {
        let mut read = 0;
        while read < want {
            let n = match self.read_direct(bytes, want - read) {
                Some(Ok(n)) => n,
                Some(Err(e)) if e.kind() == io::ErrorKind::Interrupted => continue,
                // Opened with O_DIRECT but not read so (some file systems): the page cache
                // from here on.
                Some(Err(e)) if e.kind() == io::ErrorKind::InvalidInput => {
                    self.direct = None;
                    continue;
                }
                Some(Err(e)) => return Err(e),
                None => self.read_cached(bytes, want - read)?,
            };
            if n == 0 {
                break;
            }
            read += n;
            self.offset += n as u64;
        }
        Ok(read)
    }

    /// Bytes read straight from the device so far.
    pub fn direct_bytes(&self) -> u64 {
        self.direct_bytes
    }

    /// None when this read cannot go straight from the device, or need not (the page cache
    /// holds it).
    fn read_direct(&mut self, bytes: &mut Vec<u8>, want: usize) -> Option<io::Result<usize>> {
        let file = self.direct.as_ref()?;
        let spare = &mut bytes.spare_capacity_mut()[..];
        let aligned = self.offset.is_multiple_of(ALIGN as u64)
            && want.is_multiple_of(ALIGN)
            && spare.as_ptr().addr().is_multiple_of(ALIGN)
            && spare.len() >= want;
        // The cache is asked only about reads that could go straight from the device.
        let cached = || {
            self.probe
                .as_ref()
                .is_some_and(|probe| probe.holds(self.offset, want))
        };
        if !aligned || cached() {
            return None;
        }
        let n = match read_at(file, &mut spare[..want], self.offset) {
            Ok(n) => n,
            Err(e) => return Some(Err(e)),
        };
        // SAFETY: `read_at` wrote the first `n` bytes of the spare capacity.
        unsafe { bytes.set_len(bytes.len() + n) };
        self.direct_bytes += n as u64;
        Some(Ok(n))
    }

    fn read_cached(&mut self, bytes: &mut Vec<u8>, want: usize) -> io::Result<usize> {
        self.cached.seek(SeekFrom::Start(self.offset))?;
        // Into the spare capacity, which is not zeroed first.
        (&self.cached).take(want as u64).read_to_end(bytes)
    }
}

/// A file's blocks read ahead by a [`BlockReader`] on a thread of its own, so that the
/// device's transfer of the next blocks overlaps the work on this one. Each block is read
/// into an aligned place in its buffer after `front` bytes of room, where the reader may put
/// what it carries over from the block before.
pub struct ReadAhead {
    /// The thread reading ahead, and its blocks (closed after the last).
    ahead: Background<Receiver<io::Result<ReadBlock>>, ()>,
    /// Buffers done with, for the thread to read into again.
    returned: Sender<Vec<u8>>,
}

/// A block read: its buffer, where its bytes start in it (after the room and the padding
/// that aligns them), and whether it is the file's last (shorter than a block).
pub type ReadBlock = (Vec<u8>, usize, bool);

/// Blocks read ahead at most.
const READ_AHEAD: usize = 2;

impl ReadAhead {
    /// Reads `file`, just opened from `path`, `block_bytes` (a multiple of [`ALIGN`] to go
    /// straight from the device) at a time, each after `front` bytes of room.
    pub fn new(file: File, path: &Path, block_bytes: usize, front: usize) -> ReadAhead {
        let reader = BlockReader::new(file, path);
        let (to_reader, blocks) = sync_channel(READ_AHEAD);
        let (returned, spare) = channel();
        ReadAhead {
            ahead: Background::spawn(blocks, move || {
                read_ahead(reader, (block_bytes, front), to_reader, spare)
            }),
            returned,
        }
    }

    /// The next block; None after the last.
    pub fn next_block(&self) -> Option<io::Result<ReadBlock>> {
        self.ahead.channel().and_then(|blocks| blocks.recv().ok())
    }

    /// Where a buffer done with goes back, to be read into again.
    pub fn recycler(&self) -> Sender<Vec<u8>> {
        self.returned.clone()
    }
}

/// Reads the file `block_bytes` at a time, each after `front` bytes of room, into the
/// buffers `spare` hands back (or new ones), until it ends, fails, or `blocks` is closed.
fn read_ahead(
    mut reader: BlockReader,
    (block_bytes, front): (usize, usize),
    blocks: SyncSender<io::Result<ReadBlock>>,
    spare: Receiver<Vec<u8>>,
) {
    loop {
        let mut buffer = spare.try_recv().unwrap_or_default();
        buffer.clear();
        buffer.reserve(ALIGN + front + block_bytes);
        let at = padding(&buffer, front) + front;
        buffer.resize(at, 0);
        let read = reader.append(&mut buffer, block_bytes);
        let last = !matches!(read, Ok(n) if n == block_bytes);
        if blocks.send(read.map(|_| (buffer, at, last))).is_err() || last {
            return;
        }
    }
}

/// A file read as [`BufRead`], from the blocks of a [`ReadAhead`] (a record-by-record
/// reading waited for the device about half its time without).
pub struct BufferedReader {
    ahead: ReadAhead,
    /// Room that aligns what was read, then the bytes read, from `at` not yet consumed.
    buffer: Vec<u8>,
    at: usize,
}

impl BufferedReader {
    /// Reads `file`, just opened from `path`, `block_bytes` (a multiple of [`ALIGN`]) at a
    /// time.
    pub fn new(file: File, path: &Path, block_bytes: usize) -> BufferedReader {
        BufferedReader {
            ahead: ReadAhead::new(file, path, block_bytes, 0),
            buffer: Vec::new(),
            at: 0,
        }
    }
}

impl BufRead for BufferedReader {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        if self.at == self.buffer.len() {
            // None once the last block was taken: the file ends.
            if let Some(next) = self.ahead.next_block() {
                let (bytes, at, _) = next?;
                let _ = self
                    .ahead
                    .returned
                    .send(std::mem::replace(&mut self.buffer, bytes));
                self.at = at;
            }
        }
        Ok(&self.buffer[self.at..])
    }

    fn consume(&mut self, n: usize) {
        self.at = (self.at + n).min(self.buffer.len());
    }
}

impl Read for BufferedReader {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let available = self.fill_buf()?;
        let n = available.len().min(out.len());
        out[..n].copy_from_slice(&available[..n]);
        self.consume(n);
        Ok(n)
    }
}

/// Bytes to put in `bytes` (empty, its capacity reserved: reserving may move it) before
/// `carry` bytes so that what is read after them starts at an aligned address.
pub fn padding(bytes: &[u8], carry: usize) -> usize {
    (ALIGN - (bytes.as_ptr().addr() + carry) % ALIGN) % ALIGN
}

/// Whether `a` and `b` are handles on the same file (device and inode).
#[cfg(unix)]
fn same_file(a: &File, b: &File) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (a.metadata(), b.metadata()) {
        (Ok(a), Ok(b)) => (a.dev(), a.ino()) == (b.dev(), b.ino()),
        _ => false,
    }
}

#[cfg(not(unix))]
fn same_file(_a: &File, _b: &File) -> bool {
    false
}

/// Reads at `offset` into `buffer`, which need not be initialised; the bytes read.
#[cfg(target_os = "linux")]
fn read_at(file: &File, buffer: &mut [MaybeUninit<u8>], offset: u64) -> io::Result<usize> {
    use std::os::fd::AsRawFd;
    let offset = libc::off_t::try_from(offset).map_err(io::Error::other)?;
    // SAFETY: pread(2) writes at most `buffer.len()` bytes at `buffer`, which holds that many.
    let n = unsafe {
        libc::pread(
            file.as_raw_fd(),
            buffer.as_mut_ptr().cast(),
            buffer.len(),
            offset,
        )
    };
    usize::try_from(n).map_err(|_| io::Error::last_os_error())
}

/// Never called: without O_DIRECT nothing is opened to read straight from the device.
#[cfg(not(target_os = "linux"))]
fn read_at(_file: &File, _buffer: &mut [MaybeUninit<u8>], _offset: u64) -> io::Result<usize> {
    Err(io::ErrorKind::Unsupported.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::direct::Scratch;

    /// `bytes` written to the file `name` of `scratch`.
    fn written(scratch: &Scratch, name: &str, bytes: &[u8]) -> io::Result<std::path::PathBuf> {
        let path = scratch.path(name);
        std::fs::write(&path, bytes)?;
        Ok(path)
    }

    /// Reads `path` in pieces of `want` bytes, each appended after `carry` bytes of an aligned
    /// buffer (as the reading pass does), and returns the file's bytes and those read
    /// straight from the device.
    fn read_back(path: &Path, want: usize, carry: usize) -> io::Result<(Vec<u8>, u64)> {
        let mut reader = BlockReader::new(File::open(path)?, path);
        let mut all = Vec::new();
        loop {
            let mut bytes = Vec::with_capacity(ALIGN + carry + want);
            let pad = padding(&bytes, carry);
            bytes.resize(pad + carry, b'x');
            let n = reader.append(&mut bytes, want)?;
            all.extend_from_slice(&bytes[pad + carry..]);
            if n < want {
                return Ok((all, reader.direct_bytes()));
            }
        }
    }

    #[test]
    fn a_file_reads_whole_in_aligned_pieces_and_in_any_other() -> io::Result<()> {
        let bytes: Vec<u8> = (0..5 * ALIGN + 123).map(|i| (i * 31 % 251) as u8).collect();
        let scratch = Scratch::new("read-pieces")?;
        let path = written(&scratch, "pieces", &bytes)?;
        for (want, carry) in [(ALIGN, 0), (ALIGN, 77), (2 * ALIGN, 5), (1000, 3), (1, 0)] {
            let (read, direct) = read_back(&path, want, carry)?;
            assert_eq!(read, bytes, "pieces of {want} after {carry}");
            if want % ALIGN != 0 {
                assert_eq!(direct, 0, "pieces of {want}");
            }
        }
        // Just written, the file is in the page cache: read from it.
        let (read, direct) = read_back(&path, ALIGN, 77)?;
        assert_eq!((read, direct), (bytes.clone(), 0));
        // Whole blocks into aligned places go straight from the device where it is offered,
        // once the page cache has let go of them.
        if !crate::direct::cached::let_go(&path)? {
            eprintln!("the page cache kept {}", path.display());
            return Ok(());
        }
        let (read, direct) = read_back(&path, ALIGN, 77)?;
        assert_eq!(read, bytes);
        if direct == 0 {
            eprintln!("O_DIRECT not offered in {}", path.display());
        } else {
            assert_eq!(direct, bytes.len() as u64);
        }
        Ok(())
    }

    #[test]
    fn a_file_put_in_place_of_the_one_opened_is_not_read() -> io::Result<()> {
        let scratch = Scratch::new("read-replaced")?;
        let old = written(&scratch, "replaced", &[b'a'; 2 * ALIGN])?;
        let file = File::open(&old)?;
        let new = written(&scratch, "replacement", &[b'b'; 2 * ALIGN])?;
        std::fs::rename(&new, &old)?;
        let mut reader = BlockReader::new(file, &old);
        let mut bytes = Vec::with_capacity(3 * ALIGN);
        let pad = padding(&bytes, 0);
        bytes.resize(pad, 0);
        assert_eq!(reader.append(&mut bytes, 2 * ALIGN)?, 2 * ALIGN);
        assert!(bytes[pad..].iter().all(|&b| b == b'a'));
        assert_eq!(reader.direct_bytes(), 0);
        Ok(())
    }

    #[test]
    fn a_buffered_reader_reads_the_whole_file() -> io::Result<()> {
        let bytes: Vec<u8> = (0..7 * ALIGN + 5).map(|i| (i * 7 % 241) as u8).collect();
        let scratch = Scratch::new("read-buffered")?;
        let path = written(&scratch, "buffered", &bytes)?;
        let mut reader = BufferedReader::new(File::open(&path)?, &path, 2 * ALIGN);
        let mut first = [0u8; 3];
        reader.read_exact(&mut first)?;
        let mut rest = Vec::new();
        reader.read_to_end(&mut rest)?;
        assert_eq!([&first[..], &rest[..]].concat(), bytes);
        assert_eq!(reader.fill_buf()?, b"", "read past the end");
        // Dropped with blocks still to read: the thread reading ahead stops (no hang).
        let mut reader = BufferedReader::new(File::open(&path)?, &path, ALIGN);
        reader.read_exact(&mut first)?;
        drop(reader);
        Ok(())
    }

    #[test]
    fn a_buffer_out_of_line_is_read_through_the_page_cache() -> io::Result<()> {
        let bytes: Vec<u8> = (0..3 * ALIGN).map(|i| (i % 253) as u8).collect();
        let scratch = Scratch::new("read-out-of-line")?;
        let path = written(&scratch, "out-of-line", &bytes)?;
        let mut reader = BlockReader::new(File::open(&path)?, &path);
        let mut buffer = Vec::with_capacity(4 * ALIGN);
        let pad = padding(&buffer, 0);
        // One byte past the aligned place.
        buffer.resize(pad + 1, 0);
        assert_eq!(reader.append(&mut buffer, 3 * ALIGN)?, 3 * ALIGN);
        assert_eq!(&buffer[pad + 1..], &bytes[..]);
        assert_eq!(reader.direct_bytes(), 0);
        Ok(())
    }
}

//! Which parts of a file the page cache already holds.
//!
//! A file in the page cache is copied from it at memory speed (`dd` of the padded 1M research
//! file: 0.13-0.15 s), while the device, read straight, gives it at its own (0.9-1.3 s the
//! same hour): a file a run has just read, or just written, is read from the cache again.

use std::fs::File;

/// A file mapped into memory to ask `mincore(2)` which of its pages are cached; nothing is
/// ever read through the mapping (so no page is brought in by asking).
pub struct CacheProbe {
    /// Where the mapping starts, as an address (a pointer would not be `Send`).
    start: usize,
    len: usize,
    page: usize,
}

impl CacheProbe {
    /// None where the file cannot be mapped (empty, not a regular file, not Linux).
    #[cfg(target_os = "linux")]
    pub fn new(file: &File) -> Option<CacheProbe> {
        use std::os::fd::AsRawFd;
        let len = usize::try_from(file.metadata().ok()?.len())
            .ok()
            .filter(|&len| len > 0)?;
        // SAFETY: sysconf has no preconditions.
        let page = usize::try_from(unsafe { libc::sysconf(libc::_SC_PAGESIZE) }).ok()?;
        // SAFETY: a new read-only shared mapping of an open file, which nothing dereferences:
        // only mincore(2) is given its addresses, and munmap(2) when dropped.
        let start = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                len,
                libc::PROT_READ,
                libc::MAP_SHARED,
                file.as_raw_fd(),
                0,
            )
        };
        (start != libc::MAP_FAILED && page > 0).then(|| CacheProbe {
            start: start.addr(),
            len,
            page,
        })
    }

    #[cfg(not(target_os = "linux"))]
    pub fn new(_file: &File) -> Option<CacheProbe> {
        None
    }

    /// True when the page cache holds every page of the `len` bytes from `offset` (the
    /// part of them inside the file as it was mapped; none: false).
    pub fn holds(&self, offset: u64, len: usize) -> bool {
        let Ok(from) = usize::try_from(offset) else {
            return false;
        };
        let to = from.saturating_add(len).min(self.len);
        if from >= to {
            return false;
        }
        let first = from - from % self.page;
        let mut pages = vec![0u8; (to - first).div_ceil(self.page)];
        mincore(self.start + first, to - first, &mut pages)
            && pages.iter().all(|page| page & 1 == 1)
    }
}

/// mincore(2) of the `len` bytes at `start`, page-aligned, inside a mapping: a byte a page.
#[cfg(target_os = "linux")]
fn mincore(start: usize, len: usize, pages: &mut [u8]) -> bool {
    // SAFETY: the caller gives a page-aligned range of a live mapping, and a byte in `pages`
    // for each of its pages.
    unsafe {
        libc::mincore(
            std::ptr::without_provenance_mut(start),
            len,
            pages.as_mut_ptr(),
        ) == 0
    }
}

#[cfg(not(target_os = "linux"))]
fn mincore(_start: usize, _len: usize, _pages: &mut [u8]) -> bool {
    false
}

impl Drop for CacheProbe {
    #[cfg(target_os = "linux")]
    fn drop(&mut self) {
        // SAFETY: the mapping made in `new`, unmapped once.
        unsafe { libc::munmap(std::ptr::without_provenance_mut(self.start), self.len) };
    }

    #[cfg(not(target_os = "linux"))]
    fn drop(&mut self) {}
}

/// Drops `path`'s pages from the page cache (written back first), as if it had not been
/// read since the machine started; false where the kernel keeps them (tmpfs, not Linux).
#[cfg(test)]
pub(super) fn let_go(path: &std::path::Path) -> std::io::Result<bool> {
    let file = File::open(path)?;
    file.sync_all()?;
    #[cfg(target_os = "linux")]
    {
        use std::os::fd::AsRawFd;
        // SAFETY: posix_fadvise(2) on an open file descriptor.
        let advised =
            unsafe { libc::posix_fadvise(file.as_raw_fd(), 0, 0, libc::POSIX_FADV_DONTNEED) };
        let len = usize::try_from(file.metadata()?.len()).map_err(std::io::Error::other)?;
        let gone = CacheProbe::new(&file)
            .is_some_and(|probe| (0..len).step_by(4096).all(|at| !probe.holds(at as u64, 1)));
        Ok(advised == 0 && gone)
    }
    #[cfg(not(target_os = "linux"))]
    Ok(false)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::direct::Scratch;

    #[test]
    fn a_file_just_written_is_held_and_one_let_go_of_is_not() -> std::io::Result<()> {
        let scratch = Scratch::new("cache-probe")?;
        let path = scratch.path("probed");
        let len = 5 * 4096 + 10;
        std::fs::write(&path, vec![b'x'; len])?;
        let file = File::open(&path)?;
        let Some(probe) = CacheProbe::new(&file) else {
            eprintln!("no mapping of {} to ask about", path.display());
            return Ok(());
        };
        assert!(probe.holds(0, len), "just written");
        assert!(probe.holds(4096 + 7, 10), "a piece within");
        assert!(!probe.holds(len as u64, 4096), "after the end");
        assert!(!probe.holds(0, 0), "nothing");
        if let_go(&path)? {
            assert!(!probe.holds(0, len), "let go of");
            let mut again = Vec::new();
            std::io::Read::read_to_end(&mut &file, &mut again)?;
            assert!(probe.holds(0, len), "read again through the cache");
        } else {
            eprintln!("the page cache kept {}", path.display());
        }
        Ok(())
    }
}

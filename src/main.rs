//! The `clearstat` binary: parse, dispatch, print the error, choose the exit code.

use clap::Parser;

use clearstat::cli::{self, Cli};

/// jemalloc, as Polars recommends: at 10M rows the peak is 0.3-0.4 GB lower than with the
/// system allocator, and group-bys are faster (BENCHMARKS.md, session 5).
#[cfg(not(target_env = "msvc"))]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// jemalloc's options, read at its start (the `_rjem_` prefix is tikv-jemallocator's): one
/// arena. The reading pass allocates frames on its workers that the main thread frees; with
/// an arena per thread group that memory stayed with the workers' arenas (padded 1M run:
/// peak 483-505 MB, one arena 412 MB, no slower; BENCHMARKS.md, session 10).
/// `_RJEM_MALLOC_CONF` still overrides it.
#[cfg(not(target_env = "msvc"))]
#[unsafe(export_name = "_rjem_malloc_conf")]
static MALLOC_CONF: MallocConf = MallocConf(c"narenas:1".as_ptr());

/// A C string pointer that can live in a static (it points to a constant).
#[repr(transparent)]
struct MallocConf(*const std::ffi::c_char);

// SAFETY: the pointer is to a constant C string, never written.
unsafe impl Sync for MallocConf {}

fn main() {
    let cli = Cli::parse();
    let code = match cli::dispatch(cli) {
        Ok(()) => cli::exit::OK,
        Err(error) => {
            if is_broken_pipe(&error) {
                cli::exit::OK
            } else {
                eprintln!("error: {error:#}");
                let code = cli::exit_code(&error);
                if code == cli::exit::INTERNAL {
                    eprintln!("{}", cli::INTERNAL_HINT);
                }
                code
            }
        }
    };
    std::process::exit(code);
}

/// A closed pipe (`clearstat ... | head`) is not an error.
fn is_broken_pipe(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

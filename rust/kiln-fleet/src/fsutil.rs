//! File helpers: capped zeroizing reads, private files (mode 0600, never
//! replacing an existing file), durable appends (write + fsync) and directory
//! fsyncs after a file is created.

use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::path::Path;
use zeroize::Zeroizing;

#[derive(Debug, thiserror::Error)]
pub(crate) enum ReadTextError {
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("larger than {max} bytes")]
    TooLarge { max: u64 },
    #[error("line {line} is not UTF-8 text")]
    NotUtf8 { line: usize },
}

/// Reads a whole file of secret text (at most `max` bytes) into one zeroizing
/// buffer allocated up front.
pub(crate) fn read_secret_text(path: &Path, max: u64) -> Result<Zeroizing<String>, ReadTextError> {
    let file = File::open(path)?;
    let len = file.metadata()?.len();
    if len > max {
        return Err(ReadTextError::TooLarge { max });
    }
    let cap = usize::try_from(max.min(len.saturating_add(1)))
        .unwrap_or(usize::MAX)
        .saturating_add(1);
    let mut buf = Zeroizing::new(Vec::with_capacity(cap));
    file.take(max.saturating_add(1)).read_to_end(&mut buf)?;
    if buf.len() as u64 > max {
        return Err(ReadTextError::TooLarge { max });
    }
    match std::str::from_utf8(&buf) {
        Ok(s) => Ok(Zeroizing::new(s.to_owned())),
        Err(e) => {
            let upto = buf.get(..e.valid_up_to()).unwrap_or_default();
            let line = upto
                .iter()
                .filter(|&&b| b == b'\n')
                .count()
                .saturating_add(1);
            Err(ReadTextError::NotUtf8 { line })
        }
    }
}

/// Opens `path` for a new private file: created (never an existing one
/// replaced), mode 0600 on Unix.
pub(crate) fn create_private(path: &Path) -> std::io::Result<File> {
    let mut o = OpenOptions::new();
    o.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(0o600);
    }
    o.open(path)
}

/// Opens `path` for appending (it must exist).
pub(crate) fn open_append(path: &Path) -> std::io::Result<File> {
    OpenOptions::new().append(true).open(path)
}

/// Writes `bytes` in one call and, when `sync`, makes them durable.
pub(crate) fn append_durably(file: &mut File, bytes: &[u8], sync: bool) -> std::io::Result<()> {
    file.write_all(bytes)?;
    file.flush()?;
    if sync {
        file.sync_all()?;
    }
    Ok(())
}

/// Makes a new directory entry in `dir` durable (a no-op where directories
/// cannot be opened, e.g. Windows).
pub(crate) fn sync_dir(dir: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        File::open(dir)?.sync_all()?;
    }
    #[cfg(not(unix))]
    {
        let _ = dir;
    }
    Ok(())
}

/// Creates `dir` (and its parents) if missing, private (0700 on Unix).
pub(crate) fn create_private_dir(dir: &Path) -> std::io::Result<bool> {
    if dir.is_dir() {
        return Ok(false);
    }
    let mut b = std::fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        b.mode(0o700);
    }
    b.create(dir)?;
    if let Some(parent) = dir.parent().filter(|p| !p.as_os_str().is_empty()) {
        sync_dir(parent)?;
    }
    Ok(true)
}

/// Writes a whole new private file durably (file and directory entry).
pub(crate) fn write_new_private(path: &Path, bytes: &[u8], sync: bool) -> std::io::Result<()> {
    let mut f = create_private(path)?;
    append_durably(&mut f, bytes, sync)?;
    if sync {
        if let Some(dir) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            sync_dir(dir)?;
        }
    }
    Ok(())
}

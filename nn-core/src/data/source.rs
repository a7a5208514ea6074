//! Reading a data file: gzip detection, buffers that grow only as bytes
//! arrive, and the sorting of read failures into [`DataError`]s.

use super::{DataError, DataErrorKind};
use flate2::bufread::MultiGzDecoder;
use std::fs::File;
use std::io::{self, BufReader, Read};
use std::path::Path;

/// The two bytes every gzip file starts with (RFC 1952).
const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];
/// The first read step, in bytes; each later step is as large as what has
/// arrived so far, so the buffer doubles only as data keeps coming. A
/// megabyte of gzip can expand to a gigabyte, so even the file's size says
/// nothing about what it will really deliver.
const FIRST_READ: u64 = 1 << 16;

/// An opened data file: its bytes after decompression, read through buffers.
pub(super) struct Source<'p> {
    path: &'p Path,
    reader: Box<dyn Read>,
    pub(super) gzip: bool,
}

impl<'p> Source<'p> {
    /// Opens `path`, gzip'd (detected by its first two bytes) or not.
    pub(super) fn open(path: &'p Path) -> Result<Self, DataError> {
        let io_err = |error| DataError::new(path, DataErrorKind::Io { error });
        let file = File::open(path).map_err(io_err)?;
        let mut file = BufReader::with_capacity(1 << 16, file);
        // Peek at the first two bytes without consuming them.
        let mut head = [0u8; 2];
        let mut n = 0;
        while n < head.len() {
            match file.read(&mut head[n..]) {
                Ok(0) => break,
                Ok(k) => n += k,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(io_err(e)),
            }
        }
        let file = io::Cursor::new(head[..n].to_vec()).chain(file);
        let gzip = head[..n] == GZIP_MAGIC;
        let reader: Box<dyn Read> = if gzip {
            // Multi-member: a concatenation of gzip members is one gzip file
            // (RFC 1952), and garbage after the first member is an error
            // rather than silently ignored.
            Box::new(MultiGzDecoder::new(file))
        } else {
            Box::new(file)
        };
        Ok(Self { path, reader, gzip })
    }

    /// The error for a failed read after `found` bytes: running out of bytes
    /// is `Truncated`, anything else as [`read_failure`] sorts it.
    fn read_error(&self, e: io::Error, part: &'static str, expected: u64, found: u64) -> DataError {
        if e.kind() == io::ErrorKind::UnexpectedEof {
            DataError::new(
                self.path,
                DataErrorKind::Truncated {
                    part,
                    expected,
                    found,
                },
            )
        } else {
            read_failure(self.path, self.gzip, e, found)
        }
    }

    /// Appends the stream's bytes to `buf` until it ends or `limit` bytes have
    /// been read, in steps that double: the buffer grows only as bytes arrive,
    /// and a failed allocation is an `OutOfMemory` error rather than an abort.
    pub(super) fn read_up_to(&mut self, limit: u64, buf: &mut Vec<u8>) -> io::Result<()> {
        loop {
            let left = limit - buf.len() as u64;
            if left == 0 {
                return Ok(());
            }
            let step = left.min(FIRST_READ.max(buf.len() as u64));
            let step_bytes = usize::try_from(step).map_err(|_| io::ErrorKind::OutOfMemory)?;
            buf.try_reserve_exact(step_bytes)
                .map_err(|_| io::ErrorKind::OutOfMemory)?;
            if (&mut self.reader).take(step).read_to_end(buf)? == 0 {
                return Ok(());
            }
        }
    }

    /// Reads exactly `buf.len()` header bytes.
    fn read_header(&mut self, buf: &mut [u8], already: u64) -> Result<(), DataError> {
        let mut n = 0;
        while n < buf.len() {
            match self.reader.read(&mut buf[n..]) {
                Ok(0) => {
                    return Err(DataError::new(
                        self.path,
                        DataErrorKind::Truncated {
                            part: "header",
                            expected: already + buf.len() as u64,
                            found: already + n as u64,
                        },
                    ));
                }
                Ok(k) => n += k,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => {
                    let expected = already + buf.len() as u64;
                    return Err(self.read_error(e, "header", expected, already + n as u64));
                }
            }
        }
        Ok(())
    }

    /// Reads the rest of the stream, which must be exactly `expected` bytes.
    ///
    /// The buffer grows as bytes arrive, so a header that claims gigabytes
    /// costs nothing until the bytes are really there.
    pub(super) fn read_data(&mut self, expected: u64) -> Result<Vec<u8>, DataError> {
        let mut buf = Vec::new();
        // Read one byte more than announced, to notice trailing data; reading
        // to the end of the stream also makes the gzip decoder check its CRC.
        let result = self.read_up_to(expected.saturating_add(1), &mut buf);
        let found = buf.len() as u64;
        if let Err(e) = result {
            // A gzip file cut off after all the data, in its trailer, is a
            // corrupt gzip file rather than truncated data.
            if self.gzip && found == expected && e.kind() == io::ErrorKind::UnexpectedEof {
                return Err(DataError::new(self.path, DataErrorKind::Gzip { error: e }));
            }
            return Err(self.read_error(e, "data", expected, found));
        }
        if found < expected {
            return Err(DataError::new(
                self.path,
                DataErrorKind::Truncated {
                    part: "data",
                    expected,
                    found,
                },
            ));
        }
        if found > expected {
            return Err(DataError::new(
                self.path,
                DataErrorKind::TrailingData { expected },
            ));
        }
        Ok(buf)
    }

    /// Reads an IDX header of unsigned bytes with `ndim` dimensions, checking
    /// the magic number, and returns the dimensions.
    pub(super) fn read_idx_header(&mut self, ndim: u8) -> Result<Vec<u32>, DataError> {
        let expected = u32::from_be_bytes([0, 0, 0x08, ndim]);
        let mut magic = [0u8; 4];
        self.read_header(&mut magic, 0)?;
        let found = u32::from_be_bytes(magic);
        if found != expected {
            return Err(DataError::new(
                self.path,
                DataErrorKind::BadMagic {
                    expected,
                    found,
                    gzip: self.gzip,
                },
            ));
        }
        let mut dims = Vec::with_capacity(usize::from(ndim));
        for d in 0..u64::from(ndim) {
            let mut size = [0u8; 4];
            self.read_header(&mut size, 4 + 4 * d)?;
            dims.push(u32::from_be_bytes(size));
        }
        Ok(dims)
    }
}

/// The error for a read of `path` that failed after `read` bytes: out of
/// memory, a decompression error (flate2 reports corrupt data as invalid
/// input, a cut-off stream as an unexpected end), or an I/O error.
pub(super) fn read_failure(path: &Path, gzip: bool, e: io::Error, read: u64) -> DataError {
    let kind = match e.kind() {
        io::ErrorKind::OutOfMemory => DataErrorKind::OutOfMemory { read },
        io::ErrorKind::InvalidInput | io::ErrorKind::InvalidData | io::ErrorKind::UnexpectedEof
            if gzip =>
        {
            DataErrorKind::Gzip { error: e }
        }
        _ => DataErrorKind::Io { error: e },
    };
    DataError::new(path, kind)
}

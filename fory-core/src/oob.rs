//! Out-of-band buffers (pickle protocol 5 style).
//!
//! When a buffer callback is given, every buffer-capable value (BINARY, and
//! plugin types) is offered to it as a [`BufferObject`] that borrows the
//! value's memory. The callback answers [`Placement::InBand`] (the bytes are
//! copied into the stream) or [`Placement::OutOfBand`] (only a flag byte is
//! written; the caller keeps the buffer and hands it back when
//! deserializing).

use std::borrow::Cow;
use std::io;
use std::sync::OnceLock;

use bytes::Bytes;

/// Where a buffer object goes: the callback's answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Placement {
    /// Copy the bytes into the main stream.
    InBand,
    /// Leave them out; the caller transports the buffer separately.
    OutOfBand,
}

/// Anything that can travel as a buffer object.
pub trait OutOfBand {
    /// Size in bytes.
    fn total_bytes(&self) -> usize;
    /// Streams the bytes to `w` (without building a contiguous copy first).
    fn write_to(&self, w: &mut dyn io::Write) -> io::Result<()>;
    /// A contiguous view: borrowed when the data is contiguous, gathered otherwise.
    fn as_contiguous(&self) -> Cow<'_, [u8]>;
}

impl OutOfBand for [u8] {
    fn total_bytes(&self) -> usize {
        self.len()
    }
    fn write_to(&self, w: &mut dyn io::Write) -> io::Result<()> {
        w.write_all(self)
    }
    fn as_contiguous(&self) -> Cow<'_, [u8]> {
        Cow::Borrowed(self)
    }
}

impl OutOfBand for Vec<u8> {
    fn total_bytes(&self) -> usize {
        self.len()
    }
    fn write_to(&self, w: &mut dyn io::Write) -> io::Result<()> {
        w.write_all(self)
    }
    fn as_contiguous(&self) -> Cow<'_, [u8]> {
        Cow::Borrowed(self)
    }
}

impl OutOfBand for Bytes {
    fn total_bytes(&self) -> usize {
        self.len()
    }
    fn write_to(&self, w: &mut dyn io::Write) -> io::Result<()> {
        w.write_all(self)
    }
    fn as_contiguous(&self) -> Cow<'_, [u8]> {
        Cow::Borrowed(self)
    }
}

enum Inner<'a> {
    Slice(&'a [u8]),
    Shared(Bytes),
    Dyn(&'a dyn OutOfBand),
}

/// One buffer handed to the buffer callback. It borrows the serialized value:
/// nothing is copied when it goes out-of-band.
pub struct BufferObject<'a> {
    inner: Inner<'a>,
    gathered: OnceLock<Vec<u8>>,
}

impl std::fmt::Debug for BufferObject<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BufferObject")
            .field("total_bytes", &self.total_bytes())
            .finish()
    }
}

impl<'a> BufferObject<'a> {
    /// A buffer borrowing `data`.
    pub fn from_slice(data: &'a [u8]) -> Self {
        BufferObject {
            inner: Inner::Slice(data),
            gathered: OnceLock::new(),
        }
    }

    /// A buffer sharing a reference-counted `Bytes` (no copy).
    pub fn from_bytes(data: Bytes) -> Self {
        BufferObject {
            inner: Inner::Shared(data),
            gathered: OnceLock::new(),
        }
    }

    /// A buffer over any [`OutOfBand`] implementation.
    pub fn from_dyn(data: &'a dyn OutOfBand) -> Self {
        BufferObject {
            inner: Inner::Dyn(data),
            gathered: OnceLock::new(),
        }
    }

    /// Size in bytes.
    pub fn total_bytes(&self) -> usize {
        match &self.inner {
            Inner::Slice(s) => s.len(),
            Inner::Shared(b) => b.len(),
            Inner::Dyn(d) => d.total_bytes(),
        }
    }

    /// The bytes as one contiguous slice. Zero-copy for contiguous data; a
    /// non-contiguous plugin buffer is gathered once, on first call.
    pub fn as_bytes(&self) -> &[u8] {
        match &self.inner {
            Inner::Slice(s) => s,
            Inner::Shared(b) => b,
            Inner::Dyn(d) => match d.as_contiguous() {
                Cow::Borrowed(b) => b,
                Cow::Owned(v) => self.gathered.get_or_init(|| v),
            },
        }
    }

    /// Streams the bytes to any writer (file, socket, `Vec<u8>`, ...).
    pub fn write_to<W: io::Write + ?Sized>(&self, w: &mut W) -> io::Result<()> {
        struct Adapter<'w, W: ?Sized>(&'w mut W);
        impl<W: io::Write + ?Sized> io::Write for Adapter<'_, W> {
            fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
                self.0.write(buf)
            }
            fn flush(&mut self) -> io::Result<()> {
                self.0.flush()
            }
        }
        match &self.inner {
            Inner::Slice(s) => w.write_all(s),
            Inner::Shared(b) => w.write_all(b),
            Inner::Dyn(d) => d.write_to(&mut Adapter(w)),
        }
    }

    /// An owned buffer (shares `Bytes`, copies borrowed data once).
    pub fn to_bytes(&self) -> Bytes {
        match &self.inner {
            Inner::Shared(b) => b.clone(),
            _ => Bytes::copy_from_slice(self.as_bytes()),
        }
    }
}

/// The type of a buffer callback.
pub type BufferCallback<'cb, 'a> = dyn FnMut(BufferObject<'a>) -> Placement + 'cb;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn borrowed_views_are_zero_copy() {
        let data = vec![1u8, 2, 3];
        let b = BufferObject::from_slice(&data);
        assert_eq!(b.as_bytes().as_ptr(), data.as_ptr());
        assert_eq!(b.total_bytes(), 3);
        let mut out = Vec::new();
        b.write_to(&mut out).unwrap();
        assert_eq!(out, data);
        let shared = Bytes::from(vec![9u8; 4]);
        let b = BufferObject::from_bytes(shared.clone());
        assert_eq!(b.to_bytes().as_ptr(), shared.as_ptr());
    }
}

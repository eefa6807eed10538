//! [`PickleBuffer`]: Python's `pickle.PickleBuffer` in Rust, and its Fory
//! serialization through the buffer-object path.

use std::borrow::Cow;
use std::io;

use bytes::Bytes;
use fory_core::serializer::{ReadContext, WriteContext};
use fory_core::wire::type_id::{self as tid, TypeId};
use fory_core::{BufferObject, Deserialize, ForyBuilder, ForyType, OutOfBand, Serialize};

use crate::error::{Error, Result};

#[derive(Clone)]
enum Data<'a> {
    Owned(Vec<u8>),
    Shared(Bytes),
    Borrowed(&'a [u8]),
}

impl Data<'_> {
    fn as_slice(&self) -> &[u8] {
        match self {
            Data::Owned(v) => v,
            Data::Shared(b) => b,
            Data::Borrowed(s) => s,
        }
    }
}

/// A contiguous buffer with a read-only flag: what Python's
/// `pickle.PickleBuffer` wraps, and what travels out-of-band.
///
/// The bytes are owned (`Vec<u8>`), shared ([`Bytes`], reference-counted) or
/// borrowed (`&'a [u8]`, typically from a stream or an out-of-band buffer
/// you supplied). Cloning shares or borrows the same memory except for the
/// owned form.
///
/// Serialized with [`Fory`](struct@fory_core::Fory), a `PickleBuffer` is a BINARY buffer
/// object: with a buffer callback it can go out-of-band without a copy, and
/// deserialized with the buffers its [`raw`](PickleBuffer::raw) view points
/// into them. The read-only flag is not on the Fory wire (as in pyfory):
/// deserialized buffers are read-only.
///
/// ```
/// use fory_core::{Fory, Placement};
/// use fory_pickle::PickleBuffer;
///
/// let fory = Fory::builder().build();
/// let pb = PickleBuffer::from_vec(vec![7u8; 1 << 20]);
/// let mut bufs = Vec::new();
/// let stream = fory.serialize_with_callback(&pb, |b| { bufs.push(b.to_bytes()); Placement::OutOfBand })?;
/// let back: PickleBuffer = fory.deserialize_with_shared_buffers(&stream, &bufs)?;
/// assert_eq!(back.raw()?.as_ptr(), bufs[0].as_ptr()); // the same memory, not a copy
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct PickleBuffer<'a> {
    data: Option<Data<'a>>,
    readonly: bool,
}

impl std::fmt::Debug for PickleBuffer<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut d = f.debug_struct("PickleBuffer");
        match &self.data {
            None => d.field("released", &true),
            Some(data) => {
                let kind = match data {
                    Data::Owned(_) => "owned",
                    Data::Shared(_) => "shared",
                    Data::Borrowed(_) => "borrowed",
                };
                d.field("len", &data.as_slice().len()).field("data", &kind)
            }
        };
        d.field("readonly", &self.readonly).finish()
    }
}

/// Two buffers are equal when both are released, or both hold the same
/// bytes with the same read-only flag.
impl PartialEq for PickleBuffer<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.readonly == other.readonly
            && match (&self.data, &other.data) {
                (Some(a), Some(b)) => a.as_slice() == b.as_slice(),
                (None, None) => true,
                _ => false,
            }
    }
}

impl Default for PickleBuffer<'_> {
    fn default() -> Self {
        PickleBuffer::from_vec(Vec::new())
    }
}

impl PickleBuffer<'static> {
    /// A writable buffer owning `data` (Python: `PickleBuffer(bytearray(...))`).
    pub fn from_vec(data: Vec<u8>) -> Self {
        PickleBuffer {
            data: Some(Data::Owned(data)),
            readonly: false,
        }
    }

    /// A read-only buffer sharing `data` (no copy).
    pub fn from_bytes(data: Bytes) -> Self {
        PickleBuffer {
            data: Some(Data::Shared(data)),
            readonly: true,
        }
    }
}

impl<'a> PickleBuffer<'a> {
    /// A read-only buffer borrowing `data` (Python: `PickleBuffer(b'...')`).
    pub fn from_slice(data: &'a [u8]) -> Self {
        PickleBuffer {
            data: Some(Data::Borrowed(data)),
            readonly: true,
        }
    }

    /// Sets the read-only flag. A writable flag on shared or borrowed bytes
    /// only says what the pickle stream will ask Python for (a `bytearray`
    /// in-band, no `READONLY_BUFFER` out-of-band); mutable access from Rust
    /// ([`raw_mut`](Self::raw_mut)) still needs owned bytes.
    pub fn with_readonly(mut self, readonly: bool) -> Self {
        self.readonly = readonly;
        self
    }

    /// Whether the buffer is read-only.
    pub fn readonly(&self) -> bool {
        self.readonly
    }

    /// A contiguous view of the bytes (Python: `raw()`); fails after
    /// [`release`](Self::release).
    pub fn raw(&self) -> Result<&[u8]> {
        self.data
            .as_ref()
            .map(Data::as_slice)
            .ok_or(Error::Released)
    }

    /// Mutable bytes: only for writable, owned buffers.
    pub fn raw_mut(&mut self) -> Result<&mut [u8]> {
        if self.readonly {
            return Err(Error::view("the PickleBuffer is read-only"));
        }
        match &mut self.data {
            None => Err(Error::Released),
            Some(Data::Owned(v)) => Ok(v),
            Some(_) => Err(Error::view(
                "the bytes are shared or borrowed: take an owned copy first",
            )),
        }
    }

    /// Releases the bytes (Python: `release()`): afterwards `raw()` and
    /// serialization fail with [`Error::Released`]. Releasing twice is fine.
    pub fn release(&mut self) {
        self.data = None;
    }

    /// Whether [`release`](Self::release) was called.
    pub fn is_released(&self) -> bool {
        self.data.is_none()
    }

    /// Length in bytes (0 once released).
    pub fn len(&self) -> usize {
        self.data.as_ref().map_or(0, |d| d.as_slice().len())
    }

    /// Bytes a clone of this buffer copies (owned data; borrowed and shared
    /// data are not copied).
    pub(crate) fn owned_len(&self) -> usize {
        match &self.data {
            Some(Data::Owned(v)) => v.len(),
            _ => 0,
        }
    }

    /// Whether there are no bytes.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The bytes as shared [`Bytes`]: no copy when they already are, one
    /// copy otherwise.
    pub fn to_bytes(&self) -> Result<Bytes> {
        match &self.data {
            None => Err(Error::Released),
            Some(Data::Shared(b)) => Ok(b.clone()),
            Some(d) => Ok(Bytes::copy_from_slice(d.as_slice())),
        }
    }

    /// A buffer that owns or shares its bytes (borrowed bytes are copied
    /// once into `Bytes`; owned and shared ones are kept).
    pub fn into_owned(self) -> PickleBuffer<'static> {
        let data = self.data.map(|d| match d {
            Data::Owned(v) => Data::Owned(v),
            Data::Shared(b) => Data::Shared(b),
            Data::Borrowed(s) => Data::Shared(Bytes::copy_from_slice(s)),
        });
        PickleBuffer {
            data,
            readonly: self.readonly,
        }
    }

    /// The buffer object for bytes `lo..hi` (the caller checked the range).
    pub(crate) fn buffer_object_range(&self, lo: usize, hi: usize) -> Result<BufferObject<'_>> {
        match &self.data {
            None => Err(Error::Released),
            Some(Data::Shared(b)) => Ok(BufferObject::from_bytes(b.slice(lo..hi))),
            Some(d) => Ok(BufferObject::from_slice(&d.as_slice()[lo..hi])),
        }
    }

    /// The bytes with the buffer's own lifetime, when they are borrowed.
    #[cfg_attr(not(feature = "ndarray"), allow(dead_code))]
    pub(crate) fn as_borrowed(&self) -> Option<&'a [u8]> {
        match self.data {
            Some(Data::Borrowed(s)) => Some(s),
            _ => None,
        }
    }

    pub(crate) fn shared(data: Bytes, readonly: bool) -> Self {
        PickleBuffer {
            data: Some(Data::Shared(data)),
            readonly,
        }
    }

    pub(crate) fn borrowed(data: &'a [u8], readonly: bool) -> Self {
        PickleBuffer {
            data: Some(Data::Borrowed(data)),
            readonly,
        }
    }
}

impl From<Vec<u8>> for PickleBuffer<'static> {
    fn from(v: Vec<u8>) -> Self {
        PickleBuffer::from_vec(v)
    }
}

impl From<Bytes> for PickleBuffer<'static> {
    fn from(b: Bytes) -> Self {
        PickleBuffer::from_bytes(b)
    }
}

impl<'a> From<&'a [u8]> for PickleBuffer<'a> {
    fn from(s: &'a [u8]) -> Self {
        PickleBuffer::from_slice(s)
    }
}

/// A released buffer has no bytes.
impl OutOfBand for PickleBuffer<'_> {
    fn total_bytes(&self) -> usize {
        self.len()
    }
    fn write_to(&self, w: &mut dyn io::Write) -> io::Result<()> {
        w.write_all(self.raw().unwrap_or_default())
    }
    fn as_contiguous(&self) -> Cow<'_, [u8]> {
        Cow::Borrowed(self.raw().unwrap_or_default())
    }
}

impl ForyType for PickleBuffer<'_> {
    fn type_id() -> TypeId {
        tid::BINARY
    }
}

impl Serialize for PickleBuffer<'_> {
    fn write_body<'a>(&'a self, ctx: &mut WriteContext<'a, '_>) -> fory_core::Result<()> {
        if self.is_released() {
            return Err(fory_core::Error::encode(
                "operation forbidden on released PickleBuffer object",
            ));
        }
        ctx.write_buffer_object(self)
    }
}

/// Out-of-band bytes supplied as `Bytes` are shared, others are borrowed from
/// the buffers or the stream: reading never copies.
impl<'de> Deserialize<'de> for PickleBuffer<'de> {
    fn read_body(ctx: &mut ReadContext<'de>, _id: TypeId) -> fory_core::Result<Self> {
        use fory_core::serializer::BufferRef;
        Ok(match ctx.read_buffer_ref()? {
            BufferRef::OutOfBand(i, b) => match ctx.shared_buffer(i) {
                Some(shared) => PickleBuffer::shared(shared.clone(), true),
                None => PickleBuffer::borrowed(b, true),
            },
            BufferRef::InBand(b) => PickleBuffer::borrowed(b, true),
        })
    }
}

/// The name `PickleBuffer` is registered under (an extension type named
/// `pickle.PickleBuffer`; on the wire it is a BINARY buffer object).
pub const REGISTERED_NAME: &str = "pickle.PickleBuffer";

/// Registers the `PickleBuffer` handler with a builder: the explicit
/// fallback for [`ForyBuilder::register_all`], which finds it through the
/// compile-time registry. Use one or the other, not both (a second
/// registration of the same name is an error).
pub fn register(builder: ForyBuilder) -> fory_core::Result<ForyBuilder> {
    builder.register_ext(fory_core::schema::ExtDecl {
        name: REGISTERED_NAME.into(),
        registration: fory_core::schema::Registration::Name {
            namespace: "pickle".into(),
            typename: "PickleBuffer".into(),
        },
    })
}

fory_core::__private::inventory::submit! {
    fory_core::__private::TypeRegistration::new(REGISTERED_NAME, register)
}

//! Out-of-band buffers through real transports: `write_to` a file, a TCP
//! socket on 127.0.0.1 and a `Vec`; memory-mapped buffers read back without
//! copying; the pyfory out-of-band vectors read as typed values.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};

use bytes::Bytes;
use fory_core::{Fory, Placement};
use fory_tests::vectors_dir;

#[test]
fn write_to_file_socket_and_vec_then_mmap() {
    let fory = Fory::builder().build();
    let blobs: Vec<Vec<u8>> = vec![vec![3u8; 1 << 20], vec![4u8; 12345], vec![]];
    let mut objects = Vec::new();
    let stream = fory
        .serialize_with_callback(&blobs, |b| {
            objects.push(b);
            Placement::OutOfBand
        })
        .unwrap();
    assert_eq!(objects.len(), 3);
    assert_eq!(objects[1].total_bytes(), 12345);

    let dir = std::env::temp_dir().join(format!("fory-oob-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("b0.bin");
    objects[0]
        .write_to(&mut std::fs::File::create(&path).unwrap())
        .unwrap();

    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let rx = std::thread::spawn(move || {
        let (mut s, _) = listener.accept().unwrap();
        let mut v = Vec::new();
        s.read_to_end(&mut v).unwrap();
        v
    });
    let mut sock = TcpStream::connect(addr).unwrap();
    objects[1].write_to(&mut sock).unwrap();
    sock.flush().unwrap();
    drop(sock);
    let from_socket = rx.join().unwrap();

    let mut in_vec = Vec::new();
    objects[2].write_to(&mut in_vec).unwrap();

    let file = std::fs::File::open(&path).unwrap();
    // SAFETY: `Mmap::map` requires that nobody modifies or truncates the
    // file while it is mapped (the map is read as `&[u8]`). The file was
    // written and closed above, in a directory named after this process,
    // and nothing writes it again; `remove_dir_all` at the end only unlinks
    // it, which leaves an existing mapping valid. (Not run under Miri, which
    // cannot map files: the tests crate is not in .ci/miri.sh.)
    let map = unsafe { memmap2::Mmap::map(&file) }.unwrap();
    let shared = vec![
        Bytes::from_owner(map),
        Bytes::from(from_socket),
        Bytes::from(in_vec),
    ];
    let back: Vec<Bytes> = fory
        .deserialize_with_shared_buffers(&stream, &shared)
        .unwrap();
    assert_eq!(
        back[0].as_ptr(),
        shared[0].as_ptr(),
        "mapped buffer shared, not copied"
    );
    assert_eq!(
        back,
        blobs
            .iter()
            .map(|b| Bytes::from(b.clone()))
            .collect::<Vec<_>>()
    );
    let views: Vec<&[u8]> = fory
        .deserialize_with_shared_buffers(&stream, &shared)
        .unwrap();
    assert_eq!(views[0].as_ptr(), shared[0].as_ptr());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn pyfory_out_of_band_vectors_as_typed_values() {
    let fory = Fory::builder().compatible(false).build();
    let dir = vectors_dir();
    let read = |n: &str| std::fs::read(dir.join(n)).unwrap();
    // [b'...'] x5 under the alternate policy: 2 of 5 buffers out-of-band
    let stream = read("oob_list_bytes__alternate.bin");
    let bufs = [
        read("oob_list_bytes__alternate.oob.0.bin"),
        read("oob_list_bytes__alternate.oob.1.bin"),
    ];
    let back: Vec<&[u8]> = fory.deserialize_with_buffers(&stream, &bufs).unwrap();
    assert_eq!(back.len(), 5);
    assert_eq!(back[1].as_ptr(), bufs[0].as_ptr());
    assert_eq!(back[3].as_ptr(), bufs[1].as_ptr());
    // all in-band with the header bit set: an empty buffer list
    let stream = read("oob_bytes_single__all_inband.bin");
    let none: [&[u8]; 0] = [];
    let one: &[u8] = fory.deserialize_with_buffers(&stream, &none).unwrap();
    assert_eq!(one.len(), 1000);
    assert!(
        stream.as_ptr_range().contains(&one.as_ptr()),
        "in-band bytes borrow the stream"
    );
    // our bytes for the same value under the same policy are pyfory's bytes
    let value: Vec<Vec<u8>> = back.iter().map(|b| b.to_vec()).collect();
    let mut i = 0;
    let ours = fory
        .serialize_with_callback(&value, |_| {
            i += 1;
            if i % 2 == 0 {
                Placement::OutOfBand
            } else {
                Placement::InBand
            }
        })
        .unwrap();
    assert_eq!(ours, read("oob_list_bytes__alternate.bin"));
}

/// A plugin-style buffer whose bytes live in several chunks (non-contiguous).
struct Chunked(Vec<Vec<u8>>);

impl fory_core::OutOfBand for Chunked {
    fn total_bytes(&self) -> usize {
        self.0.iter().map(Vec::len).sum()
    }
    fn write_to(&self, w: &mut dyn std::io::Write) -> std::io::Result<()> {
        self.0.iter().try_for_each(|c| w.write_all(c))
    }
    fn as_contiguous(&self) -> std::borrow::Cow<'_, [u8]> {
        std::borrow::Cow::Owned(self.0.concat())
    }
}

impl fory_core::ForyType for Chunked {
    fn type_id() -> fory_core::wire::type_id::TypeId {
        fory_core::wire::type_id::BINARY
    }
}

impl fory_core::Serialize for Chunked {
    fn write_body<'a>(
        &'a self,
        ctx: &mut fory_core::serializer::WriteContext<'a, '_>,
    ) -> fory_core::Result<()> {
        ctx.write_buffer_object(self)
    }
}

#[test]
fn non_contiguous_buffer_objects() {
    let fory = Fory::builder().build();
    let v = Chunked(vec![vec![1, 2], vec![], vec![3, 4, 5]]);
    // no callback: streamed in-band with write_to
    let plain = fory.serialize(&v).unwrap();
    assert_eq!(hex::encode(&plain), "01ff29050102030405");
    // out-of-band: the callback gathers a contiguous view once, or streams with write_to
    let mut seen = Vec::new();
    let oob = fory
        .serialize_with_callback(&v, |b| {
            assert_eq!(b.total_bytes(), 5);
            assert_eq!(b.as_bytes(), [1, 2, 3, 4, 5]);
            let mut streamed = Vec::new();
            b.write_to(&mut streamed).unwrap();
            seen.push(streamed);
            Placement::OutOfBand
        })
        .unwrap();
    assert_eq!(hex::encode(&oob), "03ff2900");
    let back: Vec<u8> = fory.deserialize_with_buffers(&oob, &seen).unwrap();
    assert_eq!(back, [1, 2, 3, 4, 5]);
    let inband = fory
        .serialize_with_callback(&v, |_| Placement::InBand)
        .unwrap();
    assert_eq!(hex::encode(&inband), "03ff2901050102030405");
}

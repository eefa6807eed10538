//! `Fory::serialize` starts its output at the size of the previous result:
//! results must be the same bytes as `serialize_into` whatever came before
//! (small, large past the largest starting capacity, failed, or a serialize
//! nested inside another one), and a small result after a large one must not
//! keep the large one's capacity.

use fory_core::fory::MAX_INITIAL_CAPACITY as SCRATCH_HANDOFF;
use fory_core::serializer::{Serialize, WriteContext};
use fory_core::{Fory, ForyType};

fn direct<T: Serialize>(f: &Fory, v: &T) -> Vec<u8> {
    let mut out = Vec::new();
    f.serialize_into(v, &mut out).unwrap();
    out
}

#[test]
fn same_bytes_in_any_order() {
    let f = Fory::default();
    let small = String::from("small");
    let large = vec![7u8; SCRATCH_HANDOFF + 10];
    let mid = vec![1u8; SCRATCH_HANDOFF - 100];
    for _ in 0..2 {
        assert_eq!(f.serialize(&small).unwrap(), direct(&f, &small));
        let l = f.serialize(&large).unwrap();
        assert_eq!(l, direct(&f, &large));
        assert_eq!(f.serialize(&mid).unwrap(), direct(&f, &mid));
        let s = f.serialize(&small).unwrap();
        assert_eq!(s, direct(&f, &small));
        // a small result after a large one does not keep its capacity
        assert!(s.capacity() < 1024, "{}", s.capacity());
        assert!(l.capacity() >= l.len());
    }
}

/// Serializes another value with its own `Fory` while being serialized.
struct Nested;

impl ForyType for Nested {
    fn type_id() -> fory_core::__private::TypeId {
        fory_core::wire::type_id::BINARY
    }
}

impl Serialize for Nested {
    fn write_body<'a>(&'a self, ctx: &mut WriteContext<'a, '_>) -> fory_core::Result<()> {
        let inner = Fory::default().serialize(&String::from("inner")).unwrap();
        let mut w = ctx.writer();
        w.var_u32(inner.len() as u32);
        w.bytes(&inner);
        Ok(())
    }
}

#[test]
fn nested_serialize_gets_its_own_buffer() {
    let f = Fory::default();
    let outer = f.serialize(&Nested).unwrap();
    assert_eq!(outer, direct(&f, &Nested));
    let inner = Fory::default().serialize(&String::from("inner")).unwrap();
    assert!(outer.ends_with(&inner));
}

/// Never registered with the instance below: serializing it fails.
#[derive(fory_core::Fory, Debug, Default)]
struct Unregistered {
    a: i32,
}

#[test]
fn a_failed_serialize_leaves_the_next_one_intact() {
    let f = Fory::default();
    let v = String::from("before");
    assert_eq!(f.serialize(&v).unwrap(), direct(&f, &v));
    assert!(f.serialize(&Unregistered::default()).is_err());
    let v = String::from("after");
    assert_eq!(f.serialize(&v).unwrap(), direct(&f, &v));
}

#[test]
fn a_steady_size_gets_one_allocation_of_about_its_size() {
    let f = Fory::default();
    let v = vec![3u8; 1000];
    let first = f.serialize(&v).unwrap();
    let second = f.serialize(&v).unwrap();
    assert_eq!(second, first);
    assert_eq!(
        second.capacity(),
        second.len() + fory_core::fory::OUTPUT_SLACK,
        "sized from the previous result"
    );
    // a larger value grows past the hint and still comes out whole
    let big = vec![4u8; 5000];
    assert_eq!(f.serialize(&big).unwrap(), direct(&f, &big));
}

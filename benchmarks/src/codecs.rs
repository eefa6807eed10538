//! The seven codecs under test and a round-trip check for each model.

use std::fmt::Debug;

use serde::de::DeserializeOwned;

use crate::data;

/// Codec names, in table order. `*_consistent` = `compatible(false)`
/// (schema-consistent), `*_compat` = `compatible(true)` (TypeDefs / meta share).
pub const CODECS: [&str; 7] = [
    "ours_consistent",
    "ours_compat",
    "fory177_consistent",
    "fory177_compat",
    "bincode",
    "postcard",
    "rmp_serde",
];

/// One configured instance per Fory library and mode.
pub struct Forys {
    /// This project, schema-consistent.
    pub ours_consistent: fory_core::Fory,
    /// This project, compatible.
    pub ours_compat: fory_core::Fory,
    /// `fory` 1.7.7, xlang, schema-consistent.
    pub peer_consistent: fory::Fory,
    /// `fory` 1.7.7, xlang, compatible (its benchmark's configuration).
    pub peer_compat: fory::Fory,
    /// This project's borrowing views ([`crate::views`]), schema-consistent
    /// and compatible; built on first use, so runs that never read a view
    /// keep the heap of a process without them (glibc's malloc costs per
    /// operation depend on what the setup allocated).
    views: std::sync::OnceLock<[fory_core::Fory; 2]>,
}

impl Forys {
    /// The instance for this project's borrowing views in one mode.
    pub fn view(&self, compatible: bool) -> &fory_core::Fory {
        let v = self
            .views
            .get_or_init(|| [crate::views::fory(false), crate::views::fory(true)]);
        &v[compatible as usize]
    }
}

impl Default for Forys {
    fn default() -> Self {
        Forys {
            ours_consistent: crate::ours::fory(false),
            ours_compat: crate::ours::fory(true),
            peer_consistent: crate::peer::fory(false),
            peer_compat: crate::peer::fory(true),
            views: std::sync::OnceLock::new(),
        }
    }
}

/// bincode 2 through serde, `config::standard()` (varint integers).
pub mod bincode2 {
    use super::*;

    /// Fresh `Vec`.
    pub fn ser<T: serde::Serialize>(v: &T) -> Vec<u8> {
        bincode::serde::encode_to_vec(v, bincode::config::standard()).unwrap()
    }
    /// Appends to `out`.
    pub fn ser_into<T: serde::Serialize>(v: &T, out: &mut Vec<u8>) {
        bincode::serde::encode_into_std_write(v, out, bincode::config::standard()).unwrap();
    }
    /// Owned value.
    pub fn de<T: DeserializeOwned>(b: &[u8]) -> T {
        bincode::serde::decode_from_slice(b, bincode::config::standard())
            .unwrap()
            .0
    }
}

/// postcard 1 (`alloc`).
pub mod postcard1 {
    use super::*;

    /// Fresh `Vec`.
    pub fn ser<T: serde::Serialize>(v: &T) -> Vec<u8> {
        postcard::to_allocvec(v).unwrap()
    }
    /// Appends to `out` (postcard's `to_extend` takes the vector by value).
    pub fn ser_into<T: serde::Serialize>(v: &T, out: &mut Vec<u8>) {
        *out = postcard::to_extend(v, std::mem::take(out)).unwrap();
    }
    /// Owned value.
    pub fn de<T: DeserializeOwned>(b: &[u8]) -> T {
        postcard::from_bytes(b).unwrap()
    }
}

/// rmp-serde 1.3, compact (structs as arrays, no field names).
pub mod rmp {
    use super::*;

    /// Fresh `Vec`.
    pub fn ser<T: serde::Serialize>(v: &T) -> Vec<u8> {
        rmp_serde::to_vec(v).unwrap()
    }
    /// Appends to `out`.
    pub fn ser_into<T: serde::Serialize>(v: &T, out: &mut Vec<u8>) {
        rmp_serde::encode::write(out, v).unwrap();
    }
    /// Owned value.
    pub fn de<T: DeserializeOwned>(b: &[u8]) -> T {
        rmp_serde::from_slice(b).unwrap()
    }
}

/// One benchmark model in its three definitions.
pub trait Case {
    /// Name in Fory's benchmark report.
    const NAME: &'static str;
    /// This project's type.
    type Ours: fory_core::Serialize + for<'de> fory_core::Deserialize<'de> + PartialEq + Debug;
    /// This project's borrowing twin of `Ours` (same bytes; read only).
    type View<'a>: fory_core::Deserialize<'a> + Debug;
    /// `fory` 1.7.7's type.
    type Peer: fory::Serializer<Target = Self::Peer> + PartialEq + Debug;
    /// The serde type.
    type Plain: serde::Serialize + DeserializeOwned + PartialEq + Debug;
    /// The value, for this project.
    fn ours() -> Self::Ours;
    /// The value, for `fory` 1.7.7.
    fn peer() -> Self::Peer;
    /// The value, for the serde codecs.
    fn plain() -> Self::Plain;
}

macro_rules! cases {
    ($($case:ident => $ty:ident $(<$l:lifetime>)?, $make:ident;)*) => {$(
        #[doc = concat!("The `", stringify!($ty), "` model.")]
        pub struct $case;
        impl Case for $case {
            const NAME: &'static str = stringify!($ty);
            type Ours = crate::ours::$ty;
            type View<'a> = crate::views::$ty$(<$l>)?;
            type Peer = crate::peer::$ty;
            type Plain = crate::plain::$ty;
            fn ours() -> Self::Ours { data::ours::$make() }
            fn peer() -> Self::Peer { data::peer::$make() }
            fn plain() -> Self::Plain { data::plain::$make() }
        }
    )*};
}

cases! {
    NumericStructCase => NumericStruct, numeric_struct;
    SampleCase => Sample<'a>, sample;
    MediaContentCase => MediaContent<'a>, media_content;
    NumericStructListCase => NumericStructList, numeric_struct_list;
    SampleListCase => SampleList<'a>, sample_list;
    MediaContentListCase => MediaContentList<'a>, media_content_list;
}

/// What [`verify`] found for one model.
#[derive(Debug)]
pub struct Report {
    /// Model name.
    pub name: &'static str,
    /// Serialized size per codec, in [`CODECS`] order.
    pub sizes: Vec<(&'static str, usize)>,
    /// Whether ours and fory 1.7.7 wrote identical bytes, per mode (consistent, compat).
    pub same_bytes: [bool; 2],
    /// Whether each library reads the other's bytes back to an equal value,
    /// per mode: (ours reads fory177, fory177 reads ours).
    pub cross_read: [(Result<(), String>, Result<(), String>); 2],
}

fn check_eq<T: PartialEq + Debug>(codec: &str, name: &str, got: &T, want: &T) {
    assert_eq!(got, want, "{codec} does not round-trip {name}");
}

/// Round-trips the model through every codec (both the fresh-`Vec` and the
/// append-to-buffer serializers) and panics unless each gives back an equal value.
pub fn verify<C: Case>(f: &Forys) -> Report {
    let (o, p, s) = (C::ours(), C::peer(), C::plain());
    // the three definitions hold the same data
    assert_eq!(
        format!("{o:?}"),
        format!("{p:?}"),
        "{}: ours vs peer data",
        C::NAME
    );
    assert_eq!(
        format!("{o:?}"),
        format!("{s:?}"),
        "{}: ours vs serde data",
        C::NAME
    );
    let mut sizes = Vec::new();
    let mut ours_bytes = Vec::new();
    let mut peer_bytes = Vec::new();
    for (name, fy) in [
        ("ours_consistent", &f.ours_consistent),
        ("ours_compat", &f.ours_compat),
    ] {
        let b = fy
            .serialize(&o)
            .unwrap_or_else(|e| panic!("{name} {}: {e}", C::NAME));
        let mut into = vec![0xAA];
        fy.serialize_into(&o, &mut into).unwrap();
        assert_eq!(&into[1..], &b[..], "{name}: serialize_into differs");
        let back: C::Ours = fy
            .deserialize(&b)
            .unwrap_or_else(|e| panic!("{name} {}: {e}", C::NAME));
        check_eq(name, C::NAME, &back, &o);
        // the borrowing view reads the same bytes to the same data
        let views = f.view(name == "ours_compat");
        {
            let view: C::View<'_> = views
                .deserialize(&b)
                .unwrap_or_else(|e| panic!("{name} view {}: {e}", C::NAME));
            assert_eq!(
                format!("{view:?}"),
                format!("{o:?}"),
                "{name}: view of {}",
                C::NAME
            );
        }
        sizes.push((name, b.len()));
        ours_bytes.push(b);
    }
    for (name, fy) in [
        ("fory177_consistent", &f.peer_consistent),
        ("fory177_compat", &f.peer_compat),
    ] {
        let b = fy
            .serialize(&p)
            .unwrap_or_else(|e| panic!("{name} {}: {e}", C::NAME));
        let mut into = vec![0xAA];
        fy.serialize_to(&mut into, &p).unwrap();
        assert_eq!(&into[1..], &b[..], "{name}: serialize_to differs");
        let back: C::Peer = fy
            .deserialize(&b)
            .unwrap_or_else(|e| panic!("{name} {}: {e}", C::NAME));
        check_eq(name, C::NAME, &back, &p);
        sizes.push((name, b.len()));
        peer_bytes.push(b);
    }
    type Codec<T> = (
        &'static str,
        fn(&T) -> Vec<u8>,
        fn(&T, &mut Vec<u8>),
        fn(&[u8]) -> T,
    );
    let serde_codecs: [Codec<C::Plain>; 3] = [
        ("bincode", bincode2::ser, bincode2::ser_into, bincode2::de),
        (
            "postcard",
            postcard1::ser,
            postcard1::ser_into,
            postcard1::de,
        ),
        ("rmp_serde", rmp::ser, rmp::ser_into, rmp::de),
    ];
    for (name, ser, ser_into, de) in serde_codecs {
        let b = ser(&s);
        let mut into = vec![0xAA];
        ser_into(&s, &mut into);
        assert_eq!(&into[1..], &b[..], "{name}: ser_into differs");
        check_eq(name, C::NAME, &de(&b), &s);
        sizes.push((name, b.len()));
    }
    let cross = |i: usize| {
        let fo = if i == 0 {
            &f.ours_consistent
        } else {
            &f.ours_compat
        };
        let fp = if i == 0 {
            &f.peer_consistent
        } else {
            &f.peer_compat
        };
        let ours_reads = fo
            .deserialize::<C::Ours>(&peer_bytes[i])
            .map_err(|e| e.to_string())
            .and_then(|v| {
                if v == o {
                    Ok(())
                } else {
                    Err("different value".into())
                }
            });
        let peer_reads = fp
            .deserialize::<C::Peer>(&ours_bytes[i])
            .map_err(|e| e.to_string())
            .and_then(|v| {
                if v == p {
                    Ok(())
                } else {
                    Err("different value".into())
                }
            });
        (ours_reads, peer_reads)
    };
    Report {
        name: C::NAME,
        sizes,
        same_bytes: [
            ours_bytes[0] == peer_bytes[0],
            ours_bytes[1] == peer_bytes[1],
        ],
        cross_read: [cross(0), cross(1)],
    }
}

/// [`verify`] for every model.
pub fn verify_all(f: &Forys) -> Vec<Report> {
    vec![
        verify::<NumericStructCase>(f),
        verify::<SampleCase>(f),
        verify::<MediaContentCase>(f),
        verify::<NumericStructListCase>(f),
        verify::<SampleListCase>(f),
        verify::<MediaContentListCase>(f),
    ]
}

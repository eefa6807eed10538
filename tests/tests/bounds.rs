//! `#[fory(bound = ...)]`: generic types whose inferred bounds would be
//! wrong (a parameter that is never serialized, a parameter reached through
//! an associated type) compile and round-trip with the bounds they give.

use std::marker::PhantomData;

use fory_core::{Deserialize, Fory, ForyType, Serialize};

/// Implements none of the fory traits.
#[derive(Debug, Default, PartialEq)]
struct NotFory;

/// `M` is only a marker: `bound = ""` drops the inferred `M: ...` bounds.
#[derive(fory_core::Fory, Debug, Default, PartialEq)]
#[fory(name = "bounds.Tagged", bound = "")]
struct Tagged<M> {
    #[fory(skip)]
    marker: PhantomData<M>,
    x: i32,
    label: String,
}

/// A family of types: the field type is reached through `F::Item`.
trait Family {
    type Item;
}

#[derive(Debug, Default, PartialEq)]
struct Ints;
impl Family for Ints {
    type Item = i64;
}

#[derive(Debug, Default, PartialEq)]
struct Texts;
impl Family for Texts {
    type Item = String;
}

/// The split form: the `Serialize` and `Deserialize` impls take the given
/// predicates, the type-level impls `Vec<F::Item>: ForyType`.
#[derive(fory_core::Fory, Debug, PartialEq)]
#[fory(
    name = "bounds.Bag",
    bound(
        serialize = "F::Item: fory_core::Serialize",
        deserialize = "F::Item: fory_core::Deserialize<'de>"
    )
)]
struct Bag<F: Family> {
    items: Vec<F::Item>,
    count: u32,
}

impl<F: Family> Default for Bag<F> {
    fn default() -> Self {
        Bag {
            items: Vec::new(),
            count: 0,
        }
    }
}

/// A data-carrying enum (xlang UNION) with the all-in-one form.
#[derive(fory_core::Fory, Debug, PartialEq)]
#[fory(
    name = "bounds.Either",
    bound = "F::Item: fory_core::Serialize + for<'x> fory_core::Deserialize<'x>"
)]
enum Either<F: Family> {
    One(F::Item),
    Count(i32),
}

fn roundtrip<T>(fory: &Fory, v: &T) -> T
where
    T: Serialize + for<'de> Deserialize<'de>,
{
    let bytes = fory.serialize(v).unwrap();
    fory.deserialize(&bytes).unwrap()
}

fn assert_fory<T: ForyType>() {}

#[test]
fn marker_parameter_needs_no_bound() {
    assert_fory::<Tagged<NotFory>>();
    for compatible in [false, true] {
        let fory = Fory::builder()
            .compatible(compatible)
            .register_struct::<Tagged<NotFory>>()
            .unwrap()
            .build();
        let v = Tagged::<NotFory> {
            marker: PhantomData,
            x: -7,
            label: "tag".into(),
        };
        assert_eq!(roundtrip(&fory, &v), v);
    }
}

#[test]
fn associated_type_bounds() {
    let fory = Fory::builder()
        .register_struct::<Bag<Ints>>()
        .unwrap()
        .build();
    let v = Bag::<Ints> {
        items: vec![1, -2, 1 << 40],
        count: 3,
    };
    assert_eq!(roundtrip(&fory, &v), v);
    let fory = Fory::builder()
        .compatible(true)
        .register_struct::<Bag<Texts>>()
        .unwrap()
        .build();
    let v = Bag::<Texts> {
        items: vec!["a".into(), "ключ".into()],
        count: 2,
    };
    assert_eq!(roundtrip(&fory, &v), v);
    // the same bytes as a struct written without generics
    #[derive(fory_core::Fory, Debug, Default, PartialEq)]
    #[fory(name = "bounds.Bag")]
    struct PlainBag {
        items: Vec<String>,
        count: u32,
    }
    let plain = Fory::builder()
        .compatible(true)
        .register_struct::<PlainBag>()
        .unwrap()
        .build();
    assert_eq!(
        fory.serialize(&v).unwrap(),
        plain
            .serialize(&PlainBag {
                items: v.items.clone(),
                count: 2
            })
            .unwrap()
    );
}

#[test]
fn union_with_given_bound() {
    let fory = Fory::builder()
        .register_union::<Either<Texts>>()
        .unwrap()
        .build();
    for v in [Either::<Texts>::One("x".into()), Either::Count(-3)] {
        assert_eq!(roundtrip(&fory, &v), v);
    }
}

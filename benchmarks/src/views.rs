//! Borrowing twins of [`crate::ours`]'s models: the same type ids, field ids
//! and wire bytes, but strings read as `&str` and numeric arrays as
//! `Cow<[T]>`, so deserialization points into the input instead of
//! allocating where it can (strings always; arrays when they land aligned).
//! Only the `de` rows use them.

#![allow(missing_docs)]

use std::borrow::Cow;

use fory_core::Fory;

pub use crate::ours::{NumericStruct, Player, Size};

#[derive(fory_core::Fory, Debug, PartialEq, Default)]
#[fory(id = 2)]
pub struct Sample<'a> {
    #[fory(id = 1)]
    pub int_value: i32,
    #[fory(id = 2)]
    pub long_value: i64,
    #[fory(id = 3)]
    pub float_value: f32,
    #[fory(id = 4)]
    pub double_value: f64,
    #[fory(id = 5)]
    pub short_value: i32,
    #[fory(id = 6)]
    pub char_value: i32,
    #[fory(id = 7)]
    pub boolean_value: bool,
    #[fory(id = 8)]
    pub int_value_boxed: i32,
    #[fory(id = 9)]
    pub long_value_boxed: i64,
    #[fory(id = 10)]
    pub float_value_boxed: f32,
    #[fory(id = 11)]
    pub double_value_boxed: f64,
    #[fory(id = 12)]
    pub short_value_boxed: i32,
    #[fory(id = 13)]
    pub char_value_boxed: i32,
    #[fory(id = 14)]
    pub boolean_value_boxed: bool,
    #[fory(id = 15)]
    pub int_array: Cow<'a, [i32]>,
    #[fory(id = 16)]
    pub long_array: Cow<'a, [i64]>,
    #[fory(id = 17)]
    pub float_array: Cow<'a, [f32]>,
    #[fory(id = 18)]
    pub double_array: Cow<'a, [f64]>,
    #[fory(id = 19)]
    pub short_array: Cow<'a, [i32]>,
    #[fory(id = 20)]
    pub char_array: Cow<'a, [i32]>,
    #[fory(id = 21)]
    pub boolean_array: Cow<'a, [bool]>,
    #[fory(id = 22)]
    pub string: &'a str,
}

#[derive(fory_core::Fory, Debug, PartialEq, Default)]
#[fory(id = 3)]
pub struct Media<'a> {
    #[fory(id = 1)]
    pub uri: &'a str,
    #[fory(id = 2)]
    pub title: &'a str,
    #[fory(id = 3)]
    pub width: i32,
    #[fory(id = 4)]
    pub height: i32,
    /// Not Latin-1 in the data: this project writes it as UTF-8 (borrowed);
    /// a writer that picks UTF-16 gets a copy here instead of an error.
    #[fory(id = 5)]
    pub format: Cow<'a, str>,
    #[fory(id = 6)]
    pub duration: i64,
    #[fory(id = 7)]
    pub size: i64,
    #[fory(id = 8)]
    pub bitrate: i32,
    #[fory(id = 9)]
    pub has_bitrate: bool,
    #[fory(id = 10)]
    pub persons: Vec<&'a str>,
    #[fory(id = 11)]
    pub player: Player,
    #[fory(id = 12)]
    pub copyright: &'a str,
}

#[derive(fory_core::Fory, Debug, PartialEq, Default)]
#[fory(id = 4)]
pub struct Image<'a> {
    #[fory(id = 1)]
    pub uri: &'a str,
    #[fory(id = 2)]
    pub title: &'a str,
    #[fory(id = 3)]
    pub width: i32,
    #[fory(id = 4)]
    pub height: i32,
    #[fory(id = 5)]
    pub size: Size,
}

#[derive(fory_core::Fory, Debug, PartialEq, Default)]
#[fory(id = 5)]
pub struct MediaContent<'a> {
    #[fory(id = 1)]
    pub media: Media<'a>,
    #[fory(id = 2)]
    pub images: Vec<Image<'a>>,
}

#[derive(fory_core::Fory, Debug, PartialEq, Default)]
#[fory(id = 8)]
pub struct NumericStructList {
    #[fory(id = 1)]
    pub struct_list: Vec<NumericStruct>,
}

#[derive(fory_core::Fory, Debug, PartialEq, Default)]
#[fory(id = 9)]
pub struct SampleList<'a> {
    #[fory(id = 1)]
    pub sample_list: Vec<Sample<'a>>,
}

#[derive(fory_core::Fory, Debug, PartialEq, Default)]
#[fory(id = 10)]
pub struct MediaContentList<'a> {
    #[fory(id = 1)]
    pub media_content_list: Vec<MediaContent<'a>>,
}

/// An instance with every view registered under Fory's benchmark ids.
pub fn fory(compatible: bool) -> Fory {
    Fory::builder()
        .compatible(compatible)
        .register_struct::<NumericStruct>()
        .and_then(|b| b.register_struct::<Sample<'_>>())
        .and_then(|b| b.register_struct::<Media<'_>>())
        .and_then(|b| b.register_struct::<Image<'_>>())
        .and_then(|b| b.register_struct::<MediaContent<'_>>())
        .and_then(|b| b.register_enum::<Player>())
        .and_then(|b| b.register_enum::<Size>())
        .and_then(|b| b.register_struct::<NumericStructList>())
        .and_then(|b| b.register_struct::<SampleList<'_>>())
        .and_then(|b| b.register_struct::<MediaContentList<'_>>())
        .expect("register the benchmark views")
        .build()
}

//! The models for this project's `#[derive(fory_core::Fory)]`.
//!
//! Every `Vec` of a numeric or bool type is a dense `*_ARRAY` here by default,
//! which is what the peer's `#[fory(array)]` asks for.

#![allow(missing_docs)]

use fory_core::Fory;

#[derive(fory_core::Fory, Debug, Clone, PartialEq, Default)]
#[fory(id = 1)]
pub struct NumericStruct {
    #[fory(id = 1)]
    pub f1: i32,
    #[fory(id = 2)]
    pub f2: i32,
    #[fory(id = 3)]
    pub f3: i32,
    #[fory(id = 4)]
    pub f4: i32,
    #[fory(id = 5)]
    pub f5: i32,
    #[fory(id = 6)]
    pub f6: i32,
    #[fory(id = 7)]
    pub f7: i32,
    #[fory(id = 8)]
    pub f8: i32,
    #[fory(id = 9)]
    pub f9: i32,
    #[fory(id = 10)]
    pub f10: i32,
    #[fory(id = 11)]
    pub f11: i32,
    #[fory(id = 12)]
    pub f12: i32,
}

#[derive(fory_core::Fory, Debug, Clone, PartialEq, Default)]
#[fory(id = 2)]
pub struct Sample {
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
    pub int_array: Vec<i32>,
    #[fory(id = 16)]
    pub long_array: Vec<i64>,
    #[fory(id = 17)]
    pub float_array: Vec<f32>,
    #[fory(id = 18)]
    pub double_array: Vec<f64>,
    #[fory(id = 19)]
    pub short_array: Vec<i32>,
    #[fory(id = 20)]
    pub char_array: Vec<i32>,
    #[fory(id = 21)]
    pub boolean_array: Vec<bool>,
    #[fory(id = 22)]
    pub string: String,
}

#[derive(fory_core::Fory, Debug, Clone, Copy, PartialEq, Default)]
#[fory(id = 6)]
pub enum Player {
    #[default]
    Java,
    Flash,
}

#[derive(fory_core::Fory, Debug, Clone, Copy, PartialEq, Default)]
#[fory(id = 7)]
pub enum Size {
    #[default]
    Small,
    Large,
}

#[derive(fory_core::Fory, Debug, Clone, PartialEq, Default)]
#[fory(id = 3)]
pub struct Media {
    #[fory(id = 1)]
    pub uri: String,
    #[fory(id = 2)]
    pub title: String,
    #[fory(id = 3)]
    pub width: i32,
    #[fory(id = 4)]
    pub height: i32,
    #[fory(id = 5)]
    pub format: String,
    #[fory(id = 6)]
    pub duration: i64,
    #[fory(id = 7)]
    pub size: i64,
    #[fory(id = 8)]
    pub bitrate: i32,
    #[fory(id = 9)]
    pub has_bitrate: bool,
    #[fory(id = 10)]
    pub persons: Vec<String>,
    #[fory(id = 11)]
    pub player: Player,
    #[fory(id = 12)]
    pub copyright: String,
}

#[derive(fory_core::Fory, Debug, Clone, PartialEq, Default)]
#[fory(id = 4)]
pub struct Image {
    #[fory(id = 1)]
    pub uri: String,
    #[fory(id = 2)]
    pub title: String,
    #[fory(id = 3)]
    pub width: i32,
    #[fory(id = 4)]
    pub height: i32,
    #[fory(id = 5)]
    pub size: Size,
}

#[derive(fory_core::Fory, Debug, Clone, PartialEq, Default)]
#[fory(id = 5)]
pub struct MediaContent {
    #[fory(id = 1)]
    pub media: Media,
    #[fory(id = 2)]
    pub images: Vec<Image>,
}

#[derive(fory_core::Fory, Debug, Clone, PartialEq, Default)]
#[fory(id = 8)]
pub struct NumericStructList {
    #[fory(id = 1)]
    pub struct_list: Vec<NumericStruct>,
}

#[derive(fory_core::Fory, Debug, Clone, PartialEq, Default)]
#[fory(id = 9)]
pub struct SampleList {
    #[fory(id = 1)]
    pub sample_list: Vec<Sample>,
}

#[derive(fory_core::Fory, Debug, Clone, PartialEq, Default)]
#[fory(id = 10)]
pub struct MediaContentList {
    #[fory(id = 1)]
    pub media_content_list: Vec<MediaContent>,
}

/// `Vec<f64>` as a struct field (the root-vs-field benchmark).
#[derive(fory_core::Fory, Debug, Clone, PartialEq, Default)]
#[fory(id = 20)]
pub struct F64Field {
    #[fory(id = 1)]
    pub values: Vec<f64>,
}

/// An instance with every model registered under Fory's benchmark ids.
pub fn fory(compatible: bool) -> Fory {
    Fory::builder()
        .compatible(compatible)
        .register_struct::<NumericStruct>()
        .and_then(|b| b.register_struct::<Sample>())
        .and_then(|b| b.register_struct::<Media>())
        .and_then(|b| b.register_struct::<Image>())
        .and_then(|b| b.register_struct::<MediaContent>())
        .and_then(|b| b.register_enum::<Player>())
        .and_then(|b| b.register_enum::<Size>())
        .and_then(|b| b.register_struct::<NumericStructList>())
        .and_then(|b| b.register_struct::<SampleList>())
        .and_then(|b| b.register_struct::<MediaContentList>())
        .and_then(|b| b.register_struct::<F64Field>())
        .expect("register the benchmark models")
        .build()
}

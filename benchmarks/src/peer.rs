//! The models for Apache Fory's `fory` 1.7.7 crate (a benchmark peer), as its
//! own benchmark declares them: `#[derive(ForyStruct)]` with field ids and
//! `#[fory(array)]` on the primitive vectors, `#[derive(ForyEnum)]`.

#![allow(missing_docs)]

use fory::{Fory, ForyEnum, ForyStruct};

#[derive(ForyStruct, Debug, Clone, PartialEq, Default)]
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

#[derive(ForyStruct, Debug, Clone, PartialEq, Default)]
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
    #[fory(id = 15, array)]
    pub int_array: Vec<i32>,
    #[fory(id = 16, array)]
    pub long_array: Vec<i64>,
    #[fory(id = 17, array)]
    pub float_array: Vec<f32>,
    #[fory(id = 18, array)]
    pub double_array: Vec<f64>,
    #[fory(id = 19, array)]
    pub short_array: Vec<i32>,
    #[fory(id = 20, array)]
    pub char_array: Vec<i32>,
    #[fory(id = 21, array)]
    pub boolean_array: Vec<bool>,
    #[fory(id = 22)]
    pub string: String,
}

#[derive(ForyEnum, Debug, Clone, Copy, PartialEq, Default)]
pub enum Player {
    #[default]
    Java,
    Flash,
}

#[derive(ForyEnum, Debug, Clone, Copy, PartialEq, Default)]
pub enum Size {
    #[default]
    Small,
    Large,
}

#[derive(ForyStruct, Debug, Clone, PartialEq, Default)]
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

#[derive(ForyStruct, Debug, Clone, PartialEq, Default)]
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

#[derive(ForyStruct, Debug, Clone, PartialEq, Default)]
pub struct MediaContent {
    #[fory(id = 1)]
    pub media: Media,
    #[fory(id = 2)]
    pub images: Vec<Image>,
}

#[derive(ForyStruct, Debug, Clone, PartialEq, Default)]
pub struct NumericStructList {
    #[fory(id = 1)]
    pub struct_list: Vec<NumericStruct>,
}

#[derive(ForyStruct, Debug, Clone, PartialEq, Default)]
pub struct SampleList {
    #[fory(id = 1)]
    pub sample_list: Vec<Sample>,
}

#[derive(ForyStruct, Debug, Clone, PartialEq, Default)]
pub struct MediaContentList {
    #[fory(id = 1)]
    pub media_content_list: Vec<MediaContent>,
}

/// `Vec<f64>` as a struct field, default schema (what a user gets without attributes).
#[derive(ForyStruct, Debug, Clone, PartialEq, Default)]
pub struct F64Field {
    #[fory(id = 1)]
    pub values: Vec<f64>,
}

/// `Vec<f64>` as a struct field declared `#[fory(array)]` (dense `FLOAT64_ARRAY`).
#[derive(ForyStruct, Debug, Clone, PartialEq, Default)]
pub struct F64FieldArray {
    #[fory(id = 1, array)]
    pub values: Vec<f64>,
}

/// An instance with every model registered under Fory's benchmark ids
/// (`register_fory_types` in `benchmarks/rust/xlang/src/data.rs`).
pub fn fory(compatible: bool) -> Fory {
    let mut f = Fory::builder().xlang(true).compatible(compatible).build();
    (|| -> Result<(), fory::Error> {
        f.register::<NumericStruct>(1)?;
        f.register::<Sample>(2)?;
        f.register::<Media>(3)?;
        f.register::<Image>(4)?;
        f.register::<MediaContent>(5)?;
        f.register::<Player>(6)?;
        f.register::<Size>(7)?;
        f.register::<NumericStructList>(8)?;
        f.register::<SampleList>(9)?;
        f.register::<MediaContentList>(10)?;
        f.register::<F64Field>(20)?;
        f.register::<F64FieldArray>(21)?;
        Ok(())
    })()
    .expect("register the benchmark models");
    f
}

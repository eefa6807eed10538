//! The models for the serde codecs (bincode, postcard, rmp-serde).

#![allow(missing_docs)]

use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Default)]
pub struct NumericStruct {
    pub f1: i32,
    pub f2: i32,
    pub f3: i32,
    pub f4: i32,
    pub f5: i32,
    pub f6: i32,
    pub f7: i32,
    pub f8: i32,
    pub f9: i32,
    pub f10: i32,
    pub f11: i32,
    pub f12: i32,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Default)]
pub struct Sample {
    pub int_value: i32,
    pub long_value: i64,
    pub float_value: f32,
    pub double_value: f64,
    pub short_value: i32,
    pub char_value: i32,
    pub boolean_value: bool,
    pub int_value_boxed: i32,
    pub long_value_boxed: i64,
    pub float_value_boxed: f32,
    pub double_value_boxed: f64,
    pub short_value_boxed: i32,
    pub char_value_boxed: i32,
    pub boolean_value_boxed: bool,
    pub int_array: Vec<i32>,
    pub long_array: Vec<i64>,
    pub float_array: Vec<f32>,
    pub double_array: Vec<f64>,
    pub short_array: Vec<i32>,
    pub char_array: Vec<i32>,
    pub boolean_array: Vec<bool>,
    pub string: String,
}

#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Default)]
pub enum Player {
    #[default]
    Java,
    Flash,
}

#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Default)]
pub enum Size {
    #[default]
    Small,
    Large,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Default)]
pub struct Media {
    pub uri: String,
    pub title: String,
    pub width: i32,
    pub height: i32,
    pub format: String,
    pub duration: i64,
    pub size: i64,
    pub bitrate: i32,
    pub has_bitrate: bool,
    pub persons: Vec<String>,
    pub player: Player,
    pub copyright: String,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Default)]
pub struct Image {
    pub uri: String,
    pub title: String,
    pub width: i32,
    pub height: i32,
    pub size: Size,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Default)]
pub struct MediaContent {
    pub media: Media,
    pub images: Vec<Image>,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Default)]
pub struct NumericStructList {
    pub struct_list: Vec<NumericStruct>,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Default)]
pub struct SampleList {
    pub sample_list: Vec<Sample>,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Default)]
pub struct MediaContentList {
    pub media_content_list: Vec<MediaContent>,
}

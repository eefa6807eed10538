//! The benchmark data: the values of Fory's `create_numeric_struct`,
//! `create_sample` and `create_media_content` (apache/fory
//! `benchmarks/rust/xlang/src/data.rs`), built for each model module from one
//! definition so the three libraries see identical values.

/// Builds the data sets for one model module (`ours`, `peer` or `plain`).
macro_rules! data_for {
    ($m:ident) => {
        /// The benchmark values for this module's types.
        pub mod $m {
            use crate::$m::*;
            use crate::LIST_SIZE;

            /// 12 × i32, mixed magnitudes and signs.
            pub fn numeric_struct() -> NumericStruct {
                NumericStruct {
                    f1: -12_345,
                    f2: 987_654_321,
                    f3: -31_415,
                    f4: 27_182_818,
                    f5: -32_000,
                    f6: 1_000_000,
                    f7: -999_999_999,
                    f8: 42,
                    f9: 123_456_789,
                    f10: -42,
                    f11: 31_415_926,
                    f12: -27_182_818,
                }
            }

            /// Primitives, "boxed" primitives, 7 primitive arrays and a string.
            pub fn sample() -> Sample {
                Sample {
                    int_value: 123,
                    long_value: 1_230_000,
                    float_value: 12.345,
                    double_value: 1.234_567,
                    short_value: 12_345,
                    char_value: '!' as i32,
                    boolean_value: true,
                    int_value_boxed: 321,
                    long_value_boxed: 3_210_000,
                    float_value_boxed: 54.321,
                    double_value_boxed: 7.654_321,
                    short_value_boxed: 32_100,
                    char_value_boxed: '$' as i32,
                    boolean_value_boxed: false,
                    int_array: vec![-1234, -123, -12, -1, 0, 1, 12, 123, 1234],
                    long_array: vec![
                        -123_400, -12_300, -1200, -100, 0, 100, 1200, 12_300, 123_400,
                    ],
                    float_array: vec![-12.34, -12.3, -12.0, -1.0, 0.0, 1.0, 12.0, 12.3, 12.34],
                    double_array: vec![-1.234, -1.23, -12.0, -1.0, 0.0, 1.0, 12.0, 1.23, 1.234],
                    short_array: vec![-1234, -123, -12, -1, 0, 1, 12, 123, 1234],
                    char_array: "asdfASDF".chars().map(|c| c as i32).collect(),
                    boolean_array: vec![true, false, false, true],
                    string: "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789".to_string(),
                }
            }

            fn image(uri: &str, title: &str, width: i32, height: i32, size: Size) -> Image {
                Image {
                    uri: uri.to_string(),
                    title: title.to_string(),
                    width,
                    height,
                    size,
                }
            }

            /// One `Media` and three `Image`s (JVM serializers' media content).
            pub fn media_content() -> MediaContent {
                MediaContent {
                    media: Media {
                        uri: "http://javaone.com/keynote.ogg".to_string(),
                        title: String::new(),
                        width: 641,
                        height: 481,
                        format: "video/theora\u{1234}".to_string(),
                        duration: 18_000_001,
                        size: 58_982_401,
                        bitrate: 0,
                        has_bitrate: false,
                        persons: vec!["Bill Gates, Jr.".to_string(), "Steven Jobs".to_string()],
                        player: Player::Flash,
                        copyright: "Copyright (c) 2009, Scooby Dooby Doo".to_string(),
                    },
                    images: vec![
                        image(
                            "http://javaone.com/keynote_huge.jpg",
                            "Javaone Keynote\u{1234}",
                            32_000,
                            24_000,
                            Size::Large,
                        ),
                        image("http://javaone.com/keynote_large.jpg", "", 1024, 768, Size::Large),
                        image("http://javaone.com/keynote_small.jpg", "", 320, 240, Size::Small),
                    ],
                }
            }

            /// `LIST_SIZE` numeric structs.
            pub fn numeric_struct_list() -> NumericStructList {
                NumericStructList {
                    struct_list: (0..LIST_SIZE).map(|_| numeric_struct()).collect(),
                }
            }

            /// `LIST_SIZE` samples.
            pub fn sample_list() -> SampleList {
                SampleList {
                    sample_list: (0..LIST_SIZE).map(|_| sample()).collect(),
                }
            }

            /// `LIST_SIZE` media contents.
            pub fn media_content_list() -> MediaContentList {
                MediaContentList {
                    media_content_list: (0..LIST_SIZE).map(|_| media_content()).collect(),
                }
            }
        }
    };
}

data_for!(ours);
data_for!(peer);
data_for!(plain);

/// `F64_LEN` doubles (not all equal, so nothing compresses by accident).
pub fn f64_values() -> Vec<f64> {
    (0..crate::F64_LEN)
        .map(|i| i as f64 * 0.5 - 1000.25)
        .collect()
}

//! `fory inspect` never panics, and agrees with the decoder on validity.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

static SCHEMA: OnceLock<fory_core::Schema> = OnceLock::new();

fuzz_target!(|data: &[u8]| {
    let Some((&selector, stream)) = data.split_first() else {
        return;
    };
    let schema = SCHEMA.get_or_init(common::schema);
    let fory = common::fory(selector, schema);
    let opts = fory_cli::inspect::Options {
        config: fory.config(),
        schema: schema.clone(),
        oob_sizes: None,
    };
    let report = fory_cli::inspect::inspect(stream, &opts);
    let decoded = if stream.first().is_some_and(|h| h & 2 != 0) {
        let none: [&[u8]; 0] = [];
        fory.deserialize_value_with_buffers(stream, &none)
    } else {
        fory.deserialize_value(stream)
    };
    if decoded.is_ok() {
        assert!(
            report.error.is_none(),
            "inspect rejects what the decoder accepts: {:?}",
            report.error
        );
    }
});

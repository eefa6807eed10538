//! Any bytes decode to a `Value` or an error; what decodes re-encodes and
//! decodes again to an equal value (with and without a schema).
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
    let empty = fory_core::Schema::new();
    let fory = common::fory(selector, if selector & 4 != 0 { &empty } else { schema });
    let Ok(v) = fory.deserialize_value(stream) else {
        return;
    };
    let Ok(bytes) = fory.serialize_value(&v) else {
        return;
    };
    let again = fory
        .deserialize_value(&bytes)
        .expect("our own encoding must decode");
    if let Err(e) = fory_cli::typed_json::compare(&v, &again) {
        panic!("decode → encode → decode changed the value: {e}");
    }
});

//! Shared set-up for the fuzz targets: the conformance schema and the four
//! wire configurations, chosen by the first input byte.

use fory_core::{Fory, Schema};

pub fn schema() -> Schema {
    let manifest: serde_json::Value =
        serde_json::from_str(include_str!("../../tests/vectors/pyfory-1.7.7/cases.json"))
            .expect("manifest");
    Schema::from_json(&manifest["types"], None).expect("schema")
}

/// (ref tracking, compatible) from two bits of `selector`.
pub fn fory(selector: u8, schema: &Schema) -> Fory {
    Fory::builder()
        .ref_tracking(selector & 1 != 0)
        .compatible(selector & 2 != 0)
        .schema(schema.clone())
        .build()
}

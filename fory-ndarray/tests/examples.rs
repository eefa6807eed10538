//! The examples, run as tests.

#[path = "../examples/dataframe.rs"]
mod dataframe;
#[path = "../examples/image_tcp.rs"]
mod image_tcp;

#[test]
fn dataframe_numeric_columns_out_of_band_strings_in_band() {
    let r = dataframe::run(1000).unwrap();
    assert_eq!(r.buffer_bytes, [8000, 8000]);
    assert!(r.zero_copy_write, "the callback got the columns' memory");
    assert!(r.zero_copy_read, "the views borrow the buffers");
    // the strings (1000 × 7 characters + 1 header byte each) are in the stream
    assert!(
        r.stream_bytes > 8000 && r.stream_bytes < 8200,
        "{}",
        r.stream_bytes
    );
    assert!(r.in_band_bytes > r.stream_bytes + 16000);
}

#[test]
fn image_over_tcp_with_write_to() {
    let r = image_tcp::run(48, 64).unwrap();
    assert_eq!(r.shapes, [vec![48, 64, 3], vec![24, 32, 3]]);
    assert_eq!(r.buffer_bytes, [48 * 64 * 3, 24 * 32 * 3]);
    assert!(r.views_borrow);
}

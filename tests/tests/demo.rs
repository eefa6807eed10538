//! The main job (`fory demo`) at a small size: out-of-band through files and
//! memory maps, zero-copy, equal to the in-band round trip.

#[test]
#[cfg_attr(miri, ignore)] // memory-maps files (demo.rs), which Miri cannot do
fn demo_round_trips_out_of_band_zero_copy() {
    let dir = std::env::temp_dir().join(format!("fory-demo-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let r = fory_cli::demo::run(&dir, 3, 1 << 20).unwrap();
    assert!(r.zero_copy_verified);
    assert_eq!(r.oob_buffers, 3);
    assert!(
        r.oob_stream_bytes < 512,
        "metadata only: {}",
        r.oob_stream_bytes
    );
    assert!(r.inband_stream_bytes > 3 << 20);
    for k in 0..3 {
        assert_eq!(
            std::fs::metadata(dir.join(format!("frame.oob.{k}.bin")))
                .unwrap()
                .len(),
            1 << 20
        );
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

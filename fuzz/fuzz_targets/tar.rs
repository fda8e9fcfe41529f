#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| bundler::ops::fuzzing::parse_tar(data));

#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| clearstat::fuzzing::race_map(data));

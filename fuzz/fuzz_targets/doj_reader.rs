#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| clearstat::fuzzing::doj_reader(data));

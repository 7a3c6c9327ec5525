#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| clearstat::fuzzing::flow_file(data));

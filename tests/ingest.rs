use std::path::{Path, PathBuf};

use clearstat::ingest::{self, Encoding, IngestOptions, OnBadRows, SOURCE_LINE};
use clearstat::normalize::{self, columns as c};
use polars::prelude::*;

use crate::doj::{self, DojRow};
use crate::frames::strings;
use crate::testdir::{TestDir, shared};

fn skip() -> IngestOptions {
    IngestOptions {
        on_bad_rows: OnBadRows::Skip,
        encoding: Encoding::Utf8,
        ..Default::default()
    }
}

/// Ingests and normalizes `paths`; returns the typed rows and the ingest result.
pub fn read(paths: &[PathBuf], options: &IngestOptions) -> (DataFrame, ingest::Ingested) {
    let mut records = normalize::RecordsBuilder::default();
    let ingested = ingest::read(paths, options, &ingest::layout::READ_COLUMNS, |raw| {
        records.push(raw).expect("normalize");
        Ok::<_, ingest::IngestError>(())
    })
    .expect("ingest");
    // With the subject key the later stages group by, as a run adds it.
    let rows = normalize::SubjectKeys::default()
        .add(records.finish().expect("normalize"))
        .expect("subject key");
    (rows, ingested)
}

/// Checks `paths` and returns the accounting only.
pub fn check(
    paths: &[PathBuf],
    options: &IngestOptions,
) -> Result<ingest::Ingested, ingest::IngestError> {
    ingest::read(paths, options, &ingest::layout::READ_COLUMNS, |_| Ok(()))
}

/// The message of the error ingesting `path` with default options (bad rows fail).
fn error_of(path: &Path) -> String {
    match check(&[path.to_path_buf()], &IngestOptions::default()) {
        Ok(_) => panic!("{} must be rejected", path.display()),
        Err(e) => e.to_string(),
    }
}

fn lines(df: &DataFrame) -> Vec<u64> {
    df.column(SOURCE_LINE)
        .unwrap()
        .u64()
        .unwrap()
        .iter()
        .flatten()
        .collect()
}

fn three_rows() -> Vec<DojRow> {
    let row = DojRow::new();
    vec![
        row.with("SUBJECT_ID", "1"),
        row.with("SUBJECT_ID", "2"),
        row.with("SUBJECT_ID", "3"),
    ]
}

#[test]
fn ingest_with_and_without_header() {
    let dir = TestDir::new("ingest_header");
    let with = dir.create("with.csv", doj::file(true, &three_rows()));
    let without = dir.create("without.csv", doj::file(false, &three_rows()));
    let (a, ia) = read(&[with], &skip());
    let (b, ib) = read(&[without], &skip());
    assert_eq!(strings(&a, c::SUBJECT_ID), strings(&b, c::SUBJECT_ID));
    assert_eq!(lines(&a), [2, 3, 4]);
    assert_eq!(lines(&b), [1, 2, 3]);
    assert!(ia.files[0].has_header && !ib.files[0].has_header);
    assert_eq!(ia.totals(), (3, 3, 0));
}

#[test]
fn ingest_header_after_bom_and_bom_without_header() {
    let dir = TestDir::new("ingest_bom");
    let with = dir.create(
        "bom_header.csv",
        format!("\u{feff}{}", doj::file(true, &three_rows())),
    );
    let without = dir.create(
        "bom_only.csv",
        format!("\u{feff}{}", doj::file(false, &three_rows())),
    );
    let (a, ia) = read(&[with], &skip());
    assert!(ia.files[0].has_header);
    assert_eq!(
        strings(&a, c::SUBJECT_ID),
        [Some("1".into()), Some("2".into()), Some("3".into())]
    );
    assert_eq!(lines(&a), [2, 3, 4]);
    let (b, _) = read(&[without], &skip());
    assert_eq!(b.height(), 3);
    assert_eq!(lines(&b), [1, 2, 3]);
}

#[test]
fn ingest_header_with_trailing_comma_crlf_and_no_final_newline() {
    let dir = TestDir::new("ingest_crlf");
    let rows: Vec<String> = three_rows().iter().map(DojRow::line).collect();
    let text = format!("{},\r\n{}", doj::header(), rows.join("\r\n"));
    let path = dir.create("crlf.csv", text);
    let (rows, ingested) = read(&[path], &skip());
    assert_eq!(lines(&rows), [2, 3, 4]);
    let ids: Vec<_> = ["1", "2", "3"].map(|id| Some(id.to_string())).into();
    assert_eq!(strings(&rows, c::SUBJECT_ID), ids);
    assert_eq!(ingested.totals(), (3, 3, 0));
}

#[test]
fn ingest_file_under_128_bytes() {
    let dir = TestDir::new("ingest_tiny");
    let path = dir.create("tiny.csv", format!("{}\n", vec![""; 95].join(",")));
    assert!(std::fs::metadata(&path).unwrap().len() < 128);
    let (rows, ingested) = read(&[path], &skip());
    assert_eq!((rows.height(), ingested.totals()), (1, (1, 1, 0)));
}

#[test]
fn ingest_the_gogen_fixture_variants() {
    let Some(fixture) = shared("conformance/gogen-fixture") else {
        return;
    };
    let (a, ia) = read(&[fixture.join("no_headers.csv")], &skip());
    let (b, ib) = read(&[fixture.join("extra_comma.csv")], &skip());
    assert_eq!((ia.totals(), ib.totals()), ((38, 38, 0), (38, 38, 0)));
    for column in [
        c::SUBJECT_ID,
        c::CODE_SECTION,
        c::COUNT_ORDER,
        c::COMMENT_TEXT,
        c::OFN,
    ] {
        assert_eq!(strings(&a, column), strings(&b, column), "{column}");
    }
    assert_eq!(lines(&a)[0], 1);
    assert_eq!(lines(&b)[0], 2);

    let bad = fixture.join("bad.csv");
    assert_eq!(
        error_of(&bad),
        format!(
            "{} line 2: wrong field count: expected 95 fields, found 94. Rerun with \
             --on-bad-rows skip to write such rows to rejected_rows.csv and continue",
            bad.display()
        )
    );
    let (rows, ingested) = read(&[bad], &skip());
    assert_eq!((rows.height(), ingested.totals()), (0, (37, 0, 37)));
    assert_eq!(ingested.rejected[0].line, 2);
}

#[test]
fn ingest_errors_name_the_path() {
    let dir = TestDir::new("ingest_errors");
    let empty = dir.create("empty.csv", "");
    let header_only = dir.create("header.csv", format!("{}\n", doj::header()));
    let folder = dir.path("folder");
    std::fs::create_dir_all(&folder).unwrap();
    let missing = dir.path("missing.csv");
    let socket = dir.path("socket.csv");
    let _listener = std::os::unix::net::UnixListener::bind(&socket).unwrap();
    let message = |p: &PathBuf| error_of(p);
    assert_eq!(
        message(&empty),
        format!("{}: the file is empty", empty.display())
    );
    assert_eq!(
        message(&header_only),
        format!(
            "{}: holds only a header, no data rows",
            header_only.display()
        )
    );
    assert_eq!(
        message(&folder),
        format!(
            "{}: is a directory, not a DOJ research file",
            folder.display()
        )
    );
    assert_eq!(
        message(&missing),
        format!("{}: no such file", missing.display())
    );
    assert_eq!(
        message(&socket),
        format!(
            "{}: is not a regular file (inputs are read twice: save a stream to a file first)",
            socket.display()
        )
    );
}

#[test]
fn ingest_globs_and_one_population_across_files() {
    let dir = TestDir::new("ingest_glob");
    let row = DojRow::new();
    dir.create(
        "part/a.csv",
        doj::file(true, &[row.with("CNT_ORDER", "001002001000")]),
    );
    dir.create(
        "part/b.dat",
        doj::file(false, &[row.with("CNT_ORDER", "002002001000")]),
    );
    let pattern = format!("{}/part/*", dir.root.display());
    let paths = ingest::expand_inputs(std::slice::from_ref(&pattern)).unwrap();
    assert_eq!(paths.len(), 2);
    let (rows, ingested) = read(&paths, &skip());
    assert_eq!(ingested.totals(), (2, 2, 0));
    let subjects =
        clearstat::prepared::Prepared::from_records(rows, &["a".into(), "b".into()], &mut |_| {})
            .unwrap()
            .subjects
            .collect()
            .unwrap();
    // The same SUBJECT_ID in two files is one person with two convictions.
    assert_eq!(subjects.height(), 1);
    assert_eq!(
        subjects
            .column(c::CONVICTIONS)
            .unwrap()
            .u32()
            .unwrap()
            .get(0),
        Some(2)
    );
    let nothing = format!("{}/part/*.txt", dir.root.display());
    assert_eq!(
        ingest::expand_inputs(std::slice::from_ref(&nothing))
            .unwrap_err()
            .to_string(),
        format!("input pattern '{nothing}' matches no file")
    );
}

#[test]
fn ingest_bad_rows_skip_keeps_lines_and_reconciles() {
    let dir = TestDir::new("ingest_bad_rows");
    let good = DojRow::new();
    let short: String = good.line().rsplit_once(',').unwrap().0.to_string();
    let long = format!("{},EXTRA", good.line());
    let bare = good
        .with("PRI_NAME", "X")
        .line()
        .replace(",X,", ",O\"BRIEN SECRETNAME,");
    let multi = good.with("COMMENT_TEXT", "TWO\nLINES").line();
    let text = format!(
        "{}\n{}\n{}\n\n{}\n{}\n{}\n{}\n",
        doj::header(),
        good.with("SUBJECT_ID", "1").line(),
        short,
        long,
        bare,
        multi,
        good.with("SUBJECT_ID", "9").line()
    );
    let path = dir.create("bad.csv", text);
    let (rows, ingested) = read(std::slice::from_ref(&path), &skip());
    assert_eq!(ingested.totals(), (6, 3, 3));
    assert_eq!(ingested.files[0].blank_lines, 1);
    // Physical lines: header 1, rows 2-3, blank 4, rows 5-6, the two-line record 7-8, row 9.
    assert_eq!(lines(&rows), [2, 7, 9]);
    let rejected: Vec<(u64, String)> = ingested
        .rejected
        .iter()
        .map(|r| (r.line, r.reason.clone()))
        .collect();
    assert_eq!(
        rejected,
        [
            (
                3,
                "wrong field count: expected 95 fields, found 94".to_string()
            ),
            (
                5,
                "wrong field count: expected 95 fields, found 96".to_string()
            ),
            (6, "bare quote in unquoted field 13 (PRI_NAME)".to_string()),
        ]
    );
    assert_eq!(ingested.rejected[1].raw, long);
    // Fail mode: the message names file, line and problem, never the value.
    let err = error_of(&path);
    assert!(
        err.starts_with(&format!("{} line 3: wrong field count", path.display())),
        "{err}"
    );
    assert!(!err.contains("DOE") && !err.contains("SECRETNAME"));
}

#[test]
fn ingest_latin1_rejected_by_default_transcoded_on_request() {
    let dir = TestDir::new("ingest_latin1");
    let row = DojRow::new().with("COMMENT_TEXT", "PENA,JOSE");
    let mut bytes = doj::file(true, &[row]).into_bytes();
    let at = bytes.windows(4).position(|w| w == b"PENA").unwrap() + 2;
    bytes[at] = 0xD1; // Ñ in Latin-1
    let path = dir.create("latin1.csv", bytes);
    let err = error_of(&path);
    assert!(
        err.contains(
            "line 2: invalid UTF-8 (if the file is Latin-1, rerun with --encoding latin1)"
        ),
        "{err}"
    );
    let latin1 = IngestOptions {
        on_bad_rows: OnBadRows::Fail,
        encoding: Encoding::Latin1,
        ..Default::default()
    };
    let (rows, _) = read(&[path], &latin1);
    let comment = strings(&rows, c::COMMENT_TEXT);
    assert_eq!(comment, [Some("PEÑA,JOSE".to_string())]);
}

#[test]
fn ingest_tolerates_padding_blanks_and_placeholders() {
    let dir = TestDir::new("ingest_padding");
    let row = DojRow::new()
        .with("CONV_STAT_DESCR", "FELONY   ")
        .with("STP_ORI_CNTY_NAME", " San Francisco  ")
        .with("RACE_CODE", "  -  ")
        .with("GENDER", "");
    let path = dir.create("padded.csv", doj::file(true, &[row]));
    let (rows, _) = read(&[path], &IngestOptions::default());
    assert_eq!(strings(&rows, c::IS_FELONY), [Some("true".into())]);
    assert_eq!(strings(&rows, c::COUNTY), [Some("SAN FRANCISCO".into())]);
    assert_eq!(strings(&rows, c::RACE_CODE), [None]);
    assert_eq!(strings(&rows, c::GENDER), [None]);
}

/// The gogen bundle's reading: every visitor sees every accepted record once, in order, from
/// one reading (several batches), with the accepted lines trusted or not; a visitor's error
/// stops the reading and is the error reported.
#[test]
fn accepted_records_reach_every_visitor_in_order() {
    let dir = TestDir::new("visitors");
    let rows: Vec<DojRow> = (0..3000)
        .map(|i| DojRow::new().with("SUBJECT_ID", &i.to_string()))
        .collect();
    let path = dir.create("in.csv", doj::file(true, &rows));
    let read = |fail_at: u64| {
        let mut progress = clearstat::progress::Progress::bytes("", 0, false);
        let (mut a, mut b) = (Vec::new(), Vec::new());
        let result = ingest::for_each_accepted(
            &path,
            Encoding::Utf8,
            &mut progress,
            vec![
                Box::new(|record| {
                    a.push(record.line);
                    Ok(())
                }),
                Box::new(|record| match record.line {
                    line if line == fail_at => Err(format!("stopped at {line}")),
                    line => {
                        b.push(line);
                        Ok(())
                    }
                }),
            ],
        );
        (result, a, b)
    };
    let (result, lines, other) = read(0);
    assert_eq!(result, Ok(()));
    assert_eq!(lines, (2..3002).collect::<Vec<u64>>());
    assert_eq!(other, lines);
    let (result, _, other) = read(1500);
    assert_eq!(result, Err("stopped at 1500".to_string()));
    assert_eq!(other.last(), Some(&1499));
}

/// The reading pass cuts a file into blocks read on several threads. Wherever the cuts fall
/// (blocks of one byte upward, so that every record, quoted line break, blank line and bad
/// row meets a cut), the rows, their lines, the rejected rows, the accounting and the first
/// error are those of the file read as one block, from start to end.
#[test]
fn cuts_between_blocks_never_change_what_is_read() {
    let dir = TestDir::new("blocks");
    let row = |i: usize| DojRow::new().with("SUBJECT_ID", &i.to_string());
    let mut text = String::from("\u{FEFF}");
    text.push_str(&doj::header());
    text.push('\n');
    for i in 0..6 {
        let k = 100 * i;
        text.push_str(&format!("{}\n\n", row(k).line()));
        // A quoted line break (two of them, one after \r\n).
        text.push_str(&format!(
            "{}\r\n",
            row(k + 1).with("PRI_NAME", "DOE,\nJANE\r\nX").line()
        ));
        // A quote never closed: its first line is rejected, the next rows read again.
        text.push_str(&format!(
            "{}\n",
            row(k + 2).line().replacen("\"DOE", "\"D\"OE", 1)
        ));
        text.push_str(&format!(
            "{}\n",
            row(k + 3).line().replacen(",\"DOE,JANE\"", ",\"DOE", 1)
        ));
        text.push_str(&format!("{}\n", row(k + 4).line()));
        text.push_str(&format!("{}\n", row(k + 5).line().replacen(",#", "", 1)));
        text.push_str(&format!(
            "{}\n",
            row(k + 6)
                .with("PRI_NAME", "A\"B")
                .line()
                .replace("\"A\"\"B\"", "A\"B")
        ));
        text.push_str(&format!(
            "{}\n",
            row(k + 7).line().replacen("DOE", "D\0E", 1)
        ));
        text.push_str(&format!(
            "{}\n",
            row(k + 8).with("COMMENT_TEXT", "\u{e9}t\u{e9}").line()
        ));
    }
    text.push_str(&row(999).line());
    let path = dir.create("cuts.csv", &text);
    let whole = Some(text.len() + 1);
    let read_with = |on_bad_rows, block_bytes| {
        let options = IngestOptions {
            on_bad_rows,
            block_bytes,
            ..Default::default()
        };
        let mut frames: Option<DataFrame> = None;
        let read = ingest::read(
            std::slice::from_ref(&path),
            &options,
            &ingest::layout::READ_COLUMNS,
            |frame| {
                match &mut frames {
                    Some(all) => all.vstack_mut_owned(frame).map(|_| ()),
                    None => {
                        frames = Some(frame);
                        Ok(())
                    }
                }
                .map_err(|e| ingest::IngestError::Polars {
                    path: path.clone(),
                    message: e.to_string(),
                })
            },
        );
        (read, frames)
    };
    let (expected, expected_rows) = read_with(OnBadRows::Skip, whole);
    let expected = expected.expect("read as one block");
    let expected_rows = expected_rows.expect("rows");
    // Per group of nine rows four are accepted (one with quoted line breaks), five rejected.
    assert_eq!(
        expected.totals(),
        (6 * 9 + 1, 6 * 4 + 1, 6 * 5),
        "{:?}",
        expected.files
    );
    assert_eq!(expected.files[0].blank_lines, 6);
    // The file's hash, for the provenance, computed here in one go.
    use sha2::Digest;
    let whole_file = std::fs::read(&path).expect("the file");
    let sha256: String = sha2::Sha256::digest(&whole_file)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(expected.files[0].sha256, sha256);
    let rejected = |read: &ingest::Ingested| -> Vec<(u64, String, String)> {
        read.rejected
            .iter()
            .map(|r| (r.line, r.reason.clone(), r.raw.clone()))
            .collect()
    };
    let failed = read_with(OnBadRows::Fail, whole)
        .0
        .expect_err("bad rows")
        .to_string();
    assert!(
        failed.contains("line 7: text after the closing quote"),
        "{failed}"
    );
    // The lines of the accepted rows, as the one-thread reader of the gogen bundle finds them.
    let mut one_thread = Vec::new();
    let mut progress = clearstat::progress::Progress::bytes("", 0, false);
    let visitor: ingest::Visitor = Box::new(|record| {
        one_thread.push(record.line);
        Ok(())
    });
    ingest::for_each_accepted(&path, Encoding::Utf8, &mut progress, vec![visitor])
        .expect("one thread");
    assert_eq!(lines(&expected_rows), one_thread);
    for block_bytes in [1, 2, 3, 5, 17, 64, 999, 1000, 4096] {
        let (read, rows) = read_with(OnBadRows::Skip, Some(block_bytes));
        let read = read.unwrap_or_else(|e| panic!("blocks of {block_bytes}: {e}"));
        assert_eq!(
            rejected(&read),
            rejected(&expected),
            "blocks of {block_bytes}"
        );
        assert_eq!(
            format!("{:?}", read.files),
            format!("{:?}", expected.files),
            "blocks of {block_bytes}"
        );
        assert!(
            rows.expect("rows").equals_missing(&expected_rows),
            "blocks of {block_bytes}"
        );
        let error = read_with(OnBadRows::Fail, Some(block_bytes))
            .0
            .expect_err("bad rows");
        assert_eq!(error.to_string(), failed, "blocks of {block_bytes}");
    }
}

//! What a charge is: its code section, and whether it is a Prop 64 offence (with section and
//! subsection), a related charge, a superstrike or a PC 290 (sex-offender registrable) offence.
//!
//! gogen's patterns (`docs/gogen-compatibility.md`) were unanchored: `11357.5 HS` counted as
//! Prop 64 and `1187 PC` as murder. Here a section number must not be glued to other digits or a decimal point;
//! the attempt prefix `664` is the one thing allowed right before a Prop 64 section
//! (`664/11357(C) HS`, `66411357(A) HS`). All matching is case-insensitive.

use polars::prelude::*;

/// The text before the first `-` of the offence, or of the comment when the offence is blank
/// or `SEE COMMENT FOR CHARGE` (DOJ puts the charge there); trimmed.
pub fn code_section(offense_descr: &str, comment_text: &str) -> Expr {
    when(reads_comment(col(offense_descr)))
        .then(col(comment_text))
        .otherwise(col(offense_descr))
        .str()
        .extract(lit(r"^([^-]*)"), 1)
        .str()
        .strip_chars(lit(NULL))
}

/// Whether the charge is read from the comment: the offence is blank or says
/// `SEE COMMENT FOR CHARGE`.
pub fn reads_comment(offense_descr: Expr) -> Expr {
    let offense = offense_descr.str().strip_chars(lit(NULL));
    offense
        .clone()
        .eq(lit(""))
        .or(offense.to_uppercase_eq("SEE COMMENT FOR CHARGE"))
}

trait UppercaseEq {
    fn to_uppercase_eq(self, text: &str) -> Expr;
}

impl UppercaseEq for Expr {
    fn to_uppercase_eq(self, text: &str) -> Expr {
        self.str().to_uppercase().eq(lit(text.to_string()))
    }
}

/// A Prop 64 section (11357–11360) with an optional first subsection letter.
pub const PROP64_PATTERN: &str =
    r"(?i)(?:^|[^0-9.]|664[./]?)(1135[789]|11360)(?:\(([A-Z0-9]+)\))?(?:[^0-9.]|$)";

/// `"11357"` … `"11360"`, or null when the code section is not a Prop 64 offence.
pub fn prop64_section(code_section: Expr) -> Expr {
    code_section.str().extract(lit(PROP64_PATTERN), 1)
}

/// The first subsection of a Prop 64 section, upper case (`"C"` for `11357(C)HS`), or null.
pub fn prop64_subsection(code_section: Expr) -> Expr {
    code_section
        .str()
        .extract(lit(PROP64_PATTERN), 2)
        .str()
        .to_uppercase()
}

/// Related charges (gogen's list, `docs/gogen-compatibility.md`), each with its code: a
/// subsection may follow the number (`647(F) PC`, `148(A)(1) PC`).
pub const RELATED_CHARGES: [(&str, &str); 12] = [
    (r"647\(F\)", "PC"),
    ("602", "PC"),
    ("466", "PC"),
    (r"148\.9", "PC"),
    ("148", "PC"),
    ("11364", "HS"),
    ("11550", "HS"),
    ("4140", "BP"),
    ("4149", "BP"),
    ("4060", "BP"),
    ("40508", "VC"),
    ("1320", "PC"),
];

/// The related-charge pattern built from [`RELATED_CHARGES`].
pub fn related_pattern() -> String {
    let alternatives: Vec<String> = RELATED_CHARGES
        .iter()
        .map(|(section, code)| format!(r"{section}(?:\([A-Z0-9]+\))*\s*{code}"))
        .collect();
    format!(r"(?i)(?:^|[^0-9.])({})(?:[^A-Z]|$)", alternatives.join("|"))
}

/// The related charge [`related_pattern`] finds in `code_section` (`11364 HS`), or null.
pub fn related_charge(code_section: Expr) -> Expr {
    code_section.str().extract(lit(related_pattern()), 1)
}

const GANG_ENHANCEMENT: &str = r"186\.22\(B\)\(4\)";
const ENHANCEABLE: &str = r"(?:136\.1|215|213\(A\)\(1\)\(A\)|246|519|12022\.55)";

/// Superstrikes (PC 667(e)(2)(C)(iv)), gogen's patterns (docs/gogen-compatibility.md).
pub const SUPERSTRIKE_PATTERNS: [&str; 36] = [
    "37 PC",
    "128 PC",
    "187 PC",
    "188 PC",
    r"189(\.[15])? PC",
    r"190(\.\d{1,2})?(\(.*\))? PC",
    r"191(\.5)? PC",
    "205 PC",
    "207 PC",
    r"209(\.5)? PC",
    r"217\.1 PC",
    "218 PC",
    "219 PC",
    "220 PC",
    r"245\(D\)\(3\) PC",
    r"261(\(.*\))? PC",
    r"262(\(.*\))? PC",
    r"264\.1 PC",
    "269 PC",
    r"273AB(\(.*\))? PC",
    r"286((\(C\)\([123]\)(\([ABC]\))?)|(\(D\)\([123]\)))? PC",
    "287 PC",
    r"288((\(A\))|(\(B\)\([12]\)))? PC",
    r"288A((\(D\))|(\(C\)\(1\))|(\(C\)\(2\)\([ABC]\)))? PC",
    r"288\.5(\(A\))? PC",
    r"289((\(J\))|(\(A\)\(1\)\([ABC]\))|(\(A\)\(2\)\(C\)))? PC",
    r"451\.5 PC",
    "653F PC",
    r"667\.(61|7|71) PC",
    "4500 PC",
    r"11418((\(A\)\(1\))|(\(B\)\([12]\))) PC",
    "12308 PC",
    "12310 PC",
    "18745 PC",
    "18755 PC",
    r"1672\(A\) MV",
];

/// PC 290 registrable offences, gogen's patterns (docs/gogen-compatibility.md).
pub const PC290_PATTERNS: [&str; 30] = [
    r"236\.1\([BC]\)(.*) PC",
    r"243\.4(.*) PC",
    "261 PC",
    r"261(\(|\.|[A-Z])+(.*) PC",
    r"262\(A\)(\(1\))? PC",
    r"264\.1(\((.*))? PC",
    "266 PC",
    "266C PC",
    r"266H\(B\)(.*) PC",
    r"266I\(B\)(.*) PC",
    "266J PC",
    "267 PC",
    "269 PC",
    r"269(\(|\.|[A-Z])+(.*) PC",
    "272 PC",
    "285 PC",
    "287 PC",
    r"286([^\.]*) PC",
    "288 PC",
    "288A(.*) PC",
    r"288\.[23457](.*) PC",
    r"289([^\.]*) PC",
    r"311\.1(.*) PC",
    r"311\.2\([BCD]\) PC",
    r"311\.([34]|10|11)(.*) PC",
    r"314\([12]\) PC",
    r"451\.5 PC",
    r"647\.6(.*) PC",
    "647A(.*) PC",
    r"653F\([BC]\) PC",
];

/// One case-insensitive pattern matching any of `patterns`, with a left boundary (no digit or
/// decimal point before the section) and a word boundary after the code.
pub fn anchored_any(patterns: &[&str]) -> String {
    format!(r"(?i)(?:^|[^0-9.])(?:{})\b", patterns.join("|"))
}

/// The superstrike pattern: [`SUPERSTRIKE_PATTERNS`] plus the gang-enhanced forms.
pub fn superstrike_pattern() -> String {
    let mut patterns: Vec<String> = SUPERSTRIKE_PATTERNS.iter().map(|p| p.to_string()).collect();
    patterns.push(format!("{ENHANCEABLE}.*{GANG_ENHANCEMENT} PC"));
    patterns.push(format!("{GANG_ENHANCEMENT}.*{ENHANCEABLE} PC"));
    let refs: Vec<&str> = patterns.iter().map(String::as_str).collect();
    anchored_any(&refs)
}

/// True where the code section matches `pattern` (null code sections give false).
pub fn matches(code_section: Expr, pattern: String) -> Expr {
    code_section
        .str()
        .contains(lit(pattern), true)
        .fill_null(lit(false))
}

/// gogen's "Possible Other P64 Charges": the comment, when it names a Prop 64 charge the
/// offence does not (docs/gogen-compatibility.md); `""` otherwise.
pub fn possible_other_prop64_charge(offense_descr: Expr, comment_text: Expr) -> Expr {
    let offense = || offense_descr.clone().fill_null(lit(""));
    let comment = || comment_text.clone().fill_null(lit(""));
    let trimmed = offense().str().strip_chars(lit(NULL));
    let in_comment = trimmed
        .clone()
        .eq(lit(""))
        .or(trimmed.eq(lit("SEE COMMENT FOR CHARGE")));
    let section = |text: Expr| text.str().extract(lit(PROP64_PATTERN), 1);
    let sub = |text: Expr| {
        text.str()
            .extract(lit(r"(?i)11357\(([A-D])\)"), 1)
            .str()
            .to_uppercase()
    };
    let (o, c_) = (section(offense()), section(comment()));
    let (os, cs) = (sub(offense()), sub(comment()));
    let ab = |s: Expr| {
        s.is_in(
            lit(Series::new("ab".into(), ["A", "B"])).implode(false),
            false,
        )
    };
    let cd = |s: Expr| {
        s.is_in(
            lit(Series::new("cd".into(), ["C", "D"])).implode(false),
            false,
        )
    };
    let both_11357 = o.clone().eq(lit("11357")).and(c_.clone().eq(lit("11357")));
    when(in_comment)
        .then(lit(""))
        .when(c_.clone().is_null())
        .then(lit(""))
        .when(o.clone().is_null().or(o.neq(c_)))
        .then(comment())
        .when(
            both_11357
                .clone()
                .and(os.clone().is_not_null())
                .and(cs.clone().is_not_null()),
        )
        .then(
            when(
                ab(os.clone())
                    .and(cd(cs.clone()))
                    .or(cd(os.clone()).and(ab(cs.clone()))),
            )
            .then(comment())
            .otherwise(lit("")),
        )
        .when(both_11357.and(os.is_null()).and(cs.is_not_null()))
        .then(comment())
        .otherwise(lit(""))
        .fill_null(lit(""))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eval(values: &[&str], expr: Expr) -> Vec<Option<String>> {
        let df = df!("cs" => values).unwrap();
        let out = df
            .lazy()
            .select([expr.cast(DataType::String).alias("out")])
            .collect()
            .unwrap();
        out.column("out")
            .unwrap()
            .str()
            .unwrap()
            .iter()
            .map(|v| v.map(str::to_string))
            .collect()
    }

    fn flags(values: &[&str], pattern: String) -> Vec<bool> {
        eval(values, matches(col("cs"), pattern))
            .into_iter()
            .map(|v| v.as_deref() == Some("true"))
            .collect()
    }

    #[test]
    fn code_section_from_offense_or_comment() {
        let df = df!(
            "o" => ["503 VC-TAKE CAR", "220 PC- COMMIT", "SEE COMMENT FOR CHARGE", "   ", "11357(C)HS", ""],
            "c" => ["", "", "11358 HS-CULTIVATE", "503 VC-TAKE", "", ""]
        )
        .unwrap();
        let out = df
            .lazy()
            .select([code_section("o", "c").alias("cs")])
            .collect()
            .unwrap();
        let got: Vec<Option<&str>> = out.column("cs").unwrap().str().unwrap().iter().collect();
        assert_eq!(
            got,
            [
                Some("503 VC"),
                Some("220 PC"),
                Some("11358 HS"),
                Some("503 VC"),
                Some("11357(C)HS"),
                Some("")
            ]
        );
    }

    #[test]
    fn prop64_real_forms_count_and_false_ones_do_not() {
        let values = [
            "11357(C)HS",
            "11359HS",
            "11360(A) HS",
            "664/11357(C) HS",
            "664.11357(c) HS",
            "66411357(A) HS",
            "/11357 HS",
            "11358 PC",
            "11357.5 HS",
            "111357",
            "211360 PC",
            "12345(c) HS",
            "647(f) PC",
        ];
        let sections = eval(&values, prop64_section(col("cs")));
        let expected = [
            Some("11357"),
            Some("11359"),
            Some("11360"),
            Some("11357"),
            Some("11357"),
            Some("11357"),
            Some("11357"),
            Some("11358"),
            None,
            None,
            None,
            None,
            None,
        ];
        assert_eq!(sections, expected.map(|s| s.map(str::to_string)).to_vec());
        let subsections = eval(&values[..4], prop64_subsection(col("cs")));
        assert_eq!(
            subsections,
            [
                Some("C".to_string()),
                None,
                Some("A".to_string()),
                Some("C".to_string())
            ]
        );
    }

    #[test]
    fn related_charges_with_subsections_any_case() {
        let yes = [
            "647(F) PC",
            "647(f) PC",
            "148(A)(1) PC",
            "148.9 PC",
            "148.9(A) PC",
            "602(L) PC",
            "4060    BP",
            "--40508 VC--",
            "1320(a) PC",
            "11550(A) HS",
        ];
        let no = [
            "12345(c) HS",
            "647(f) HS",
            "4050.6 BP",
            "14859 PC",
            "11148 PC",
            "11358(c) HS",
            "/11357 HS",
            "11364 PC",
        ];
        assert!(flags(&yes, related_pattern()).iter().all(|&f| f), "{yes:?}");
        assert!(flags(&no, related_pattern()).iter().all(|&f| !f), "{no:?}");
    }

    /// gogen's matcher test cases, plus the anchoring fix (docs/gogen-compatibility.md,
    /// "Charges"). About 135 lines: a table of cases, one per line.
    #[test]
    fn superstrikes() {
        let yes = [
            "187 PC",
            "189 PC",
            "189.1 PC",
            "189.5 PC",
            "190 PC",
            "190.03 PC",
            "190.2(A)(4) PC",
            "190.25(B) PC",
            "191 PC",
            "191.5 PC",
            "205 PC",
            "207 PC",
            "209 PC",
            "209.5 PC",
            "217.1 PC",
            "218 PC",
            "219 PC",
            "220 PC",
            "245(D)(3) PC",
            "261(A)(2) PC",
            "262(A)(4) PC",
            "262 PC",
            "264.1 PC",
            "269 PC",
            "273AB PC",
            "273AB(A) PC",
            "286(C)(2)(A) PC",
            "286(C)(1) PC",
            "286(C)(2)(B) PC",
            "286(C)(2)(C) PC",
            "286(C)(3) PC",
            "286(D)(1) PC",
            "286(D)(2) PC",
            "286(D)(3) PC",
            "286 PC",
            "287 PC",
            "288 PC",
            "288(A) PC",
            "288(B)(1) PC",
            "288(B)(2) PC",
            "288A PC",
            "288A(C)(1) PC",
            "288A(C)(2)(A) PC",
            "288A(C)(2)(B) PC",
            "288A(C)(2)(C) PC",
            "288A(D) PC",
            "288.5 PC",
            "288.5(A) PC",
            "289(A)(1)(A) PC",
            "289(A)(1)(B) PC",
            "289(A)(1)(C) PC",
            "289(A)(2)(C) PC",
            "289(J) PC",
            "289 PC",
            "451.5 PC",
            "653F PC",
            "667.61 PC",
            "667.7 PC",
            "667.71 PC",
            "4500 PC",
            "11418(A)(1) PC",
            "11418(B)(1) PC",
            "11418(B)(2) PC",
            "12308 PC",
            "12310 PC",
            "18745 PC",
            "18755 PC",
            "1672(A) MV",
            "246/186.22(B)(4) PC",
            "519-186.22(B)(4) PC",
            "136.1/186.22(B)(4) PC",
            "136.1-186.22(B)(4) PC",
            "136.1+186.22(B)(4) PC",
            "215 + 186.22(B)(4) PC",
            "12022.55 + 186.22(B)(4) PC",
            "213(A)(1)(A) + 186.22(B)(4) PC",
            "213(A)(1)(A)/186.22(B)(4) PC",
            "186.22(B)(4)/136.1 PC",
            "186.22(B)(4)-136.1 PC",
            "186.22(B)(4)+136.1 PC",
            "186.22(B)(4)-213(A)(1)(A) PC",
            "186.22(B)(4)/12022.55 PC",
            "186.22(B)(4)-246 PC",
            "664/187 PC",
        ];
        let no = [
            "186.22(B)(3)+136.1 PC",
            "186.22(A)+136.1 PC",
            "186.22(B)(4) PC",
            "136.1 PC",
            "189.2 PC",
            "1900 PC",
            "190.123 PC",
            "191(A) PC",
            "191.55 PC",
            "205.1 PC",
            "209.6 PC",
            "246 PC",
            "12022.5 PC",
            "217.1(A) PC",
            "245 PC",
            "261.5 PC",
            "264.11 PC",
            "273 PC",
            "273(A) PC",
            "273A(B)",
            "286(C)(4)(A) PC",
            "286(E)(2)(B) PC",
            "286(C) PC",
            "288(B) PC",
            "288(A)(C)(1) PC",
            "288B PC",
            "289(A)(2)(A) PC",
            "451.1 PC",
            "653(F) PC",
            "667.6 PC",
            "667.72 PC",
            "667 PC",
            "667/664 PC",
            "4500(A) PC",
            "11418(A)(2) PC",
            "18745(A) PC",
            "1672(B) MV",
            "1187 PC",
            "2187 PC",
        ];
        let got = flags(&yes, superstrike_pattern());
        let missed: Vec<_> = yes.iter().zip(&got).filter(|(_, f)| !**f).collect();
        assert!(missed.is_empty(), "not matched: {missed:?}");
        let got = flags(&no, superstrike_pattern());
        let wrong: Vec<_> = no.iter().zip(&got).filter(|(_, f)| **f).collect();
        assert!(wrong.is_empty(), "matched: {wrong:?}");
    }

    /// About 80 lines: a table of cases, one per line.
    #[test]
    fn pc290_offences() {
        let yes = [
            "236.1(B) PC",
            "236.1(B)(C) PC",
            "236.1(B)(1) PC",
            "236.1(C) PC",
            "236.1(C)(A) PC",
            "243.4(A) PC",
            "243.4(A)(C) PC",
            "261 PC",
            "261B PC",
            "262(A) PC",
            "262(A)(1) PC",
            "264.1 PC",
            "266 PC",
            "266C PC",
            "266H(B) PC",
            "267 PC",
            "269 PC",
            "269.8 PC",
            "272 PC",
            "285 PC",
            "286 PC",
            "287 PC",
            "288 PC",
            "288A PC",
            "288.2 PC",
            "288.3 PC",
            "288.4 PC",
            "288.5 PC",
            "288.7 PC",
            "289 PC",
            "311.1 PC",
            "311.2(B) PC",
            "311.2(C) PC",
            "311.2(D) PC",
            "311.3 PC",
            "311.4 PC",
            "311.10 PC",
            "311.11 PC",
            "314(1) PC",
            "314(2) PC",
            "451.5 PC",
            "647.6B PC",
            "647A PC",
            "653F(B) PC",
            "653F(C) PC",
        ];
        let no = [
            "236.1(A) PC",
            "236.1B PC",
            "236.2(B) PC",
            "236.1(D)(B) PC",
            "243 PC",
            "262 PC",
            "264.11 PC",
            "266.5 PC",
            "266(C) PC",
            "266J(A) PC",
            "266J.11 PC",
            "266(J) PC",
            "267A PC",
            "2677 PC",
            "2699 PC",
            "288.6",
            "291 PC",
            "2434 PC",
            "24 PC",
            "647(A) PC",
            "647.1(A) PC",
            "6477A PC",
            "653F PC",
            "1288 PC",
        ];
        let pattern = anchored_any(&PC290_PATTERNS);
        let got = flags(&yes, pattern.clone());
        let missed: Vec<_> = yes.iter().zip(&got).filter(|(_, f)| !**f).collect();
        assert!(missed.is_empty(), "not matched: {missed:?}");
        let got = flags(&no, pattern);
        let wrong: Vec<_> = no.iter().zip(&got).filter(|(_, f)| **f).collect();
        assert!(wrong.is_empty(), "matched: {wrong:?}");
    }

    /// gogen's own test cases for "Possible Other P64 Charges" (docs/gogen-compatibility.md).
    #[test]
    fn possible_other_prop64_charge_only_in_comment() {
        let cases = [
            ("912", "11357(A)", "11357(A)"),
            ("11350", "11357(A)", "11357(A)"),
            ("", "11357(A)", ""),
            ("SEE COMMENT FOR CHARGE", "11357(A)", ""),
            ("11358", "11359", "11359"),
            ("11357(A)", "11358", "11358"),
            ("11358", "11357(C)", "11357(C)"),
            ("11357(A)", "11357(C)", "11357(C)"),
            ("11357(D)", "11357(B)", "11357(B)"),
            ("11357(A)", "11357(B)", ""),
            ("11357(D)", "11357(C)", ""),
            ("11357", "11357(C)", "11357(C)"),
            ("11359", "11359 HS", ""),
            ("11359", "NO CHARGE", ""),
        ];
        let offenses: Vec<&str> = cases.iter().map(|c| c.0).collect();
        let comments: Vec<&str> = cases.iter().map(|c| c.1).collect();
        let df = df!("o" => offenses, "c" => comments).unwrap();
        let out = df
            .lazy()
            .select([possible_other_prop64_charge(col("o"), col("c")).alias("p")])
            .collect()
            .unwrap();
        let got: Vec<&str> = out
            .column("p")
            .unwrap()
            .str()
            .unwrap()
            .iter()
            .flatten()
            .collect();
        let expected: Vec<&str> = cases.iter().map(|c| c.2).collect();
        assert_eq!(got, expected);
    }
}

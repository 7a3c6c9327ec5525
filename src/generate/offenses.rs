//! The offences the generator draws from: `OFFENSE_DESCR` text (code section, `-`, words) and
//! the offence's type of charge (F felony, M misdemeanor).

/// An offence as it appears in a research file.
#[derive(Debug, Clone, Copy)]
pub struct Offense {
    pub descr: &'static str,
    pub toc: &'static str,
    /// Relative frequency within its kind.
    pub weight: f64,
    /// A conviction requires PC 290 registration (the generator adds a REGISTRATION step).
    pub registers: bool,
}

const fn o(descr: &'static str, toc: &'static str, weight: f64) -> Offense {
    Offense {
        descr,
        toc,
        weight,
        registers: false,
    }
}

/// A PC 290 registrable offence.
const fn r(descr: &'static str, toc: &'static str, weight: f64) -> Offense {
    Offense {
        descr,
        toc,
        weight,
        registers: true,
    }
}

/// Prop 64 offences, with the spellings real extracts use (no space before HS, attempts).
pub const PROP64: &[Offense] = &[
    o("11357(A) HS-POSSESS CONCENTRATED CANNABIS", "M", 3.0),
    o("11357(B) HS-POSSESS 28.5 GRAMS OR LESS MARIJUANA", "M", 8.0),
    o(
        "11357(C) HS-POSSESS MORE THAN 28.5 GRAMS MARIJUANA",
        "M",
        4.0,
    ),
    o("11357(C)HS-POSSESS MARIJUANA", "M", 1.0),
    o("11357(D) HS-POSSESS MARIJUANA ON SCHOOL GROUNDS", "M", 0.5),
    o("11357 HS-POSSESS MARIJUANA", "F", 2.0),
    o("11358 HS-CULTIVATE MARIJUANA", "F", 3.0),
    o("11358(C) HS-CULTIVATE MORE THAN SIX PLANTS", "F", 0.5),
    o("11359 HS-POSSESS MARIJUANA FOR SALE", "F", 6.0),
    o("11359HS-POSSESS MARIJUANA FOR SALE", "F", 1.0),
    o("11359(B) HS-POSSESS MARIJUANA FOR SALE", "F", 1.0),
    o("11360(A) HS-SELL/TRANSPORT/ETC MARIJUANA", "F", 5.0),
    o(
        "11360(B) HS-GIVE/TRANSPORT 28.5 GRAMS OR LESS MARIJUANA",
        "M",
        2.0,
    ),
    o("664/11359 HS-ATTEMPT POSSESS MARIJUANA FOR SALE", "F", 0.5),
];

/// Charges related to Prop 64 offences (gogen's list).
pub const RELATED: &[Offense] = &[
    o("647(F) PC-DISORDERLY CONDUCT:INTOX DRUG/ALCOHOL", "M", 4.0),
    o("148(A)(1) PC-OBSTRUCT/RESIST PUBLIC OFFICER", "M", 4.0),
    o("602 PC-TRESPASSING", "M", 2.0),
    o("466 PC-POSSESS BURGLARY TOOLS", "M", 1.0),
    o("148.9 PC-FALSE ID TO PEACE OFFICER", "M", 1.0),
    o("11364 HS-POSSESS UNLAWFUL PARAPHERNALIA", "M", 4.0),
    o("11550(A) HS-UNDER INFLUENCE CONTROLLED SUBSTANCE", "M", 3.0),
    o("4140 BP-POSSESS HYPODERMIC NEEDLE/SYRINGE", "M", 1.0),
    o(
        "4060 BP-POSSESS CONTROLLED SUBSTANCE W/O PRESCRIPTION",
        "M",
        1.0,
    ),
    o("40508(A) VC-FAIL TO APPEAR:WRITTEN PROMISE", "M", 2.0),
    o("1320(A) PC-FAIL TO APPEAR:MISDEMEANOR", "M", 1.0),
];

/// Other offences, including near misses of the Prop 64 patterns (`11357.5 HS`).
pub const OTHER: &[Offense] = &[
    o("459 PC-BURGLARY", "F", 4.0),
    o("484(A) PC-PETTY THEFT", "M", 5.0),
    o("23152(A) VC-DUI ALCOHOL/DRUGS", "M", 6.0),
    o(
        "11350(A) HS-POSSESS NARCOTIC CONTROLLED SUBSTANCE",
        "F",
        4.0,
    ),
    o("11377(A) HS-POSSESS CONTROLLED SUBSTANCE", "M", 4.0),
    o("245(A)(1) PC-ASSAULT W/DEADLY WEAPON", "F", 2.0),
    o("273.5(A) PC-INFLICT CORPORAL INJ SPOUSE/COHAB", "F", 2.0),
    o("10851(A) VC-TAKE VEHICLE W/O OWNER CONSENT", "F", 2.0),
    o("12500(A) VC-DRIVE W/O LICENSE", "M", 3.0),
    o("242 PC-BATTERY", "M", 3.0),
    o("496(A) PC-RECEIVE/ETC KNOWN STOLEN PROPERTY", "F", 2.0),
    o("211 PC-ROBBERY", "F", 1.0),
    o("594(A) PC-VANDALISM", "M", 2.0),
    o("14601.1(A) VC-DRIVE WHILE LIC SUSPENDED", "M", 2.0),
    o("11357.5 HS-SELL/ETC SYNTHETIC CANNABINOID", "M", 0.3),
    o("1187 PC-OTHER OFFENSE", "M", 0.1),
];

/// Superstrikes (some are also PC 290 offences).
pub const SUPERSTRIKE: &[Offense] = &[
    o("187 PC-MURDER", "F", 2.0),
    o("664/187 PC-ATTEMPTED MURDER", "F", 2.0),
    o("207 PC-KIDNAPPING", "F", 1.0),
    o("220 PC-ASSAULT TO COMMIT MAYHEM/ETC", "F", 1.0),
    r("288(A) PC-LEWD/LASCIV ACTS W/CHILD UNDER 14", "F", 1.0),
    r("261(A)(2) PC-RAPE BY FORCE/FEAR/ETC", "F", 1.0),
];

/// PC 290 registrable offences that are not superstrikes.
pub const PC290: &[Offense] = &[
    r("314(1) PC-INDECENT EXPOSURE", "M", 2.0),
    r("647.6(A) PC-ANNOY/MOLEST CHILD UNDER 18", "M", 1.0),
    r("243.4(A) PC-SEXUAL BATTERY", "F", 1.0),
    r("311.11(A) PC-POSSESS OBSCENE MATTER OF MINOR", "F", 1.0),
];

/// The kinds of charge, with how often a charge that is not the person's Prop 64 charge is of
/// each kind.
pub const KINDS: [(&[Offense], f64); 5] = [
    (PROP64, 0.18),
    (RELATED, 0.25),
    (OTHER, 0.52),
    (SUPERSTRIKE, 0.02),
    (PC290, 0.03),
];

/// `OFFENSE_DESCR` of the registration step of a PC 290 registrant.
pub const REGISTRATION: &str = "290 PC-REGISTRATION OF SEX OFFENDER";

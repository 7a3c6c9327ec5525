//! The determinations a rule can reach, in the words DA offices and gogen use.

/// Eligible for dismissal.
pub const DISMISSAL: &str = "Eligible for Dismissal";
/// Eligible for reduction (felony to misdemeanor).
pub const REDUCTION: &str = "Eligible for Reduction";
pub const NOT_ELIGIBLE: &str = "Not eligible";
pub const HAND_REVIEW: &str = "Hand Review";
pub const MAYBE: &str = "Maybe Eligible - Flag for Review";
pub const CITY_ATTORNEYS: &str = "To be reviewed by City Attorneys";
/// A relevant conviction that no rule decided (gogen left these blank, bug 18).
pub const NO_DETERMINATION: &str = "No determination";
/// The reason given with [`NO_DETERMINATION`].
pub const NO_RULE_APPLIED: &str = "No rule applied";

/// Every determination a flow may use.
pub const ALL: [&str; 7] = [
    DISMISSAL,
    REDUCTION,
    NOT_ELIGIBLE,
    HAND_REVIEW,
    MAYBE,
    CITY_ATTORNEYS,
    NO_DETERMINATION,
];

/// Determinations that count as relief for a felony (dismissed or reduced).
pub const FELONY_RELIEF: [&str; 2] = [DISMISSAL, REDUCTION];

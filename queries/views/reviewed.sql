-- view: reviewed
-- question: Which convictions were reviewed, with what a breakdown groups by?
-- grain: one row per Prop 64 conviction in the county (all counties with --county ALL)
-- inputs: convictions
-- notes: clearstat registers this as the table `reviewed` before running the other queries.
--        Elsewhere (DuckDB, Spark SQL, Trino): create view reviewed as <this query>.
--        Table aliases here must not be used by any other query (Polars keeps them).
--        age_band is from age_at_conviction: whole years from the date of birth on the record
--        to the conviction date, computed once by the run (no date arithmetic here, which SQL
--        engines do differently: Polars' extract() is an 8-bit integer that overflows).
--        prop64_timing: dated after 2016-11-09, the day Prop 64 passed, or not (gogen's flag).
--        decision groups the determinations as the tables' columns do, and the determination
--        columns are 1 or 0 and add up to 1 for each conviction: review = Hand Review, Maybe
--        Eligible or To be reviewed by City Attorneys. period_start: five-year periods
--        (1970 = 1970 to 1974).
select
    cast(county as varchar) as county,
    subject_id,
    race_group,
    case when gender is null then 'UNKNOWN' else cast(gender as varchar) end as gender,
    extract(year from conviction_date) as conviction_year,
    extract(year from conviction_date) - extract(year from conviction_date) % 5 as period_start,
    case
        when age_at_conviction is null then 'UNKNOWN'
        when age_at_conviction < 18 then 'under 18'
        when age_at_conviction < 21 then '18-20'
        when age_at_conviction < 25 then '21-24'
        when age_at_conviction < 30 then '25-29'
        when age_at_conviction < 40 then '30-39'
        when age_at_conviction < 50 then '40-49'
        else '50 and over'
    end as age_band,
    case
        when conviction_date is null then 'date unknown'
        when is_after_prop64 then 'after 2016-11-09'
        else 'on or before 2016-11-09'
    end as prop64_timing,
    prop64_section as code_section,
    case when is_felony then 'Felony' else 'Misdemeanor or infraction' end as level,
    determination,
    case
        when determination = 'Eligible for Dismissal' then 'dismissal'
        when determination = 'Eligible for Reduction' then 'reduction'
        when determination = 'Not eligible' then 'not_eligible'
        when determination = 'No determination' then 'no_determination'
        else 'review'
    end as decision,
    reason,
    case when determination = 'Eligible for Dismissal' then 1 else 0 end as dismissal,
    case when determination = 'Eligible for Reduction' then 1 else 0 end as reduction,
    case when determination = 'Not eligible' then 1 else 0 end as not_eligible,
    case
        when determination in ('Hand Review', 'Maybe Eligible - Flag for Review', 'To be reviewed by City Attorneys')
            then 1
        else 0
    end as review,
    case when determination = 'No determination' then 1 else 0 end as no_determination
from convictions
where is_prop64 and in_county

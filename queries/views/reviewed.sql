-- view: reviewed
-- question: Which convictions were reviewed, with what a breakdown groups by?
-- grain: one row per Prop 64 conviction in the county (all counties with --county ALL)
-- inputs: convictions
-- notes: clearstat registers this as the table `reviewed` before running the other queries.
--        Elsewhere (DuckDB, Spark SQL, Trino): create view reviewed as <this query>.
--        Table aliases here must not be used by any other query (Polars keeps them).
--        age_band is the age on the conviction date, from the date of birth on the record.
--        The determination columns are 1 or 0 and add up to 1 for each conviction:
--        review = Hand Review, Maybe Eligible or To be reviewed by City Attorneys.
select
    cast(county as varchar) as county,
    subject_id,
    race_group,
    case when gender is null then 'UNKNOWN' else cast(gender as varchar) end as gender,
    extract(year from conviction_date) as conviction_year,
    case
        when age is null then 'UNKNOWN'
        when age < 18 then 'under 18'
        when age < 21 then '18-20'
        when age < 25 then '21-24'
        when age < 30 then '25-29'
        when age < 40 then '30-39'
        when age < 50 then '40-49'
        else '50 and over'
    end as age_band,
    prop64_section as code_section,
    case when is_felony then 'Felony' else 'Misdemeanor or infraction' end as level,
    determination,
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
from (
    select
        *,
        extract(year from conviction_date) - extract(year from subject_dob)
            - case
                when extract(month from conviction_date) * 100 + extract(day from conviction_date)
                    < extract(month from subject_dob) * 100 + extract(day from subject_dob)
                    then 1
                else 0
            end as age
    from convictions
    where is_prop64 and in_county
) as aged_convictions

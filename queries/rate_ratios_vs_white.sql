-- question: How many people per 100,000 residents were convicted of a Prop 64 offence, by group, and how does each group's rate compare with the White non-Hispanic rate?
-- grain: one row per county and census race group
-- inputs: reviewed (queries/views/reviewed.sql), baseline
-- notes: residents from the run's population baseline: adults (18+) where it has them (the
--        yearly estimates), otherwise all ages (the censuses); residents_age says which.
--        The numerator is every person convicted (the DOJ record is of adults). rate_ratio = group rate /
--        White rate, with a 95% confidence interval from the log-normal approximation:
--        exp(ln(rr) +/- 1.96 * sqrt(1/a - 1/A + 1/b - 1/B)) for a of A residents and b of B White
--        residents. People with an UNKNOWN race are left out.
-- counts: people
-- keys: county, race_group
-- without: race_group = UNKNOWN
-- derived: rate_per_100k <- people; rate_ratio <- people, people[race_group=WHITE]; rate_ratio_low <- people, people[race_group=WHITE]; rate_ratio_high <- people, people[race_group=WHITE]
with people as (
    select distinct county, subject_id, race_group
    from reviewed
    where race_group <> 'UNKNOWN'
),

people_by_group as (
    select county, race_group, count(*) as people
    from people
    group by county, race_group
),

residents as (
    select
        county,
        race_group,
        coalesce(adult_population, population) as population,
        case when adult_population is null then 'ALL' else '18+' end as residents_age
    from baseline
),

rates as (
    select
        g.county,
        g.race_group,
        g.people,
        r.population,
        r.residents_age,
        cast(g.people as double) / nullif(r.population, 0) as rate
    from people_by_group as g
    inner join residents as r on g.county = r.county and g.race_group = r.race_group
),

white as (
    select county, people as white_people, population as white_population, rate as white_rate
    from rates
    where race_group = 'WHITE'
),

-- Ratios as one division of exact integer products, so that the result does not depend on
-- how the engine orders the arithmetic (byte-identical outputs across thread counts).
ratios as (
    select
        r.county,
        r.race_group,
        r.people,
        r.population,
        r.residents_age,
        r.rate,
        cast(r.people * w.white_population as double)
            / cast(nullif(r.population, 0) * w.white_people as double) as rate_ratio,
        sqrt(1.0 / r.people - 1.0 / nullif(r.population, 0) + 1.0 / w.white_people - 1.0 / nullif(w.white_population, 0))
            as log_se
    from rates as r
    inner join white as w on r.county = w.county
),

final as (
    select
        county,
        race_group,
        people,
        population as residents,
        residents_age,
        cast(people * 100000 as double) / nullif(population, 0) as rate_per_100k,
        rate_ratio,
        exp(ln(rate_ratio) - 1.96 * log_se) as rate_ratio_low,
        exp(ln(rate_ratio) + 1.96 * log_se) as rate_ratio_high
    from ratios
)

select * from final
order by county nulls last, race_group nulls last

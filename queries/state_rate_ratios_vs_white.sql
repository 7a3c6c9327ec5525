-- question: Across every county reviewed, how many people per 100,000 residents were convicted of a Prop 64 offence, by group, and how does each group's rate compare with the White non-Hispanic rate: with --county ALL, against all California's residents?
-- grain: one row per census race group
-- inputs: reviewed (queries/views/reviewed.sql), baseline
-- notes: the residents are California's (the baseline's CALIFORNIA rows) when the people
--        reviewed come from more than one county, as in a statewide run; with one county,
--        that county's, and the rows are those of rate_ratios_vs_white. residents_of says
--        which. Adults (18+) where the baseline has them, otherwise all ages (residents_age).
--        A person reviewed in two counties counts once. Rates, ratios and intervals as in
--        rate_ratios_vs_white. People with an UNKNOWN race are left out.
-- counts: people
-- keys: race_group
-- without: race_group = UNKNOWN
-- derived: rate_per_100k <- people; rate_ratio <- people, people[race_group=WHITE]; rate_ratio_low <- people, people[race_group=WHITE]; rate_ratio_high <- people, people[race_group=WHITE]
with state_rate_people as (
    select distinct subject_id, race_group
    from reviewed
    where race_group <> 'UNKNOWN'
),

state_rate_groups as (
    select race_group, count(*) as people
    from state_rate_people
    group by race_group
),

-- California when several counties are reviewed, otherwise the one county.
state_rate_place as (
    select
        case when count(distinct county) > 1 then 'CALIFORNIA' else min(county) end as residents_of
    from reviewed
),

state_rate_residents as (
    select
        b.race_group,
        p.residents_of,
        coalesce(b.adult_population, b.population) as population,
        case when b.adult_population is null then 'ALL' else '18+' end as residents_age
    from baseline as b
    inner join state_rate_place as p on b.county = p.residents_of
),

state_rates as (
    select
        g.race_group,
        r.residents_of,
        g.people,
        r.population,
        r.residents_age
    from state_rate_groups as g
    inner join state_rate_residents as r on g.race_group = r.race_group
),

state_white as (
    select people as white_people, population as white_population
    from state_rates
    where race_group = 'WHITE'
),

final as (
    select
        r.race_group,
        r.residents_of,
        r.people,
        r.population as residents,
        r.residents_age,
        cast(r.people * 100000 as double) / nullif(r.population, 0) as rate_per_100k,
        cast(r.people * w.white_population as double)
            / cast(nullif(r.population, 0) * w.white_people as double) as rate_ratio,
        exp(ln(cast(r.people * w.white_population as double)
                / cast(nullif(r.population, 0) * w.white_people as double))
            - 1.96 * sqrt(1.0 / r.people - 1.0 / nullif(r.population, 0) + 1.0 / w.white_people - 1.0 / nullif(w.white_population, 0)))
            as rate_ratio_low,
        exp(ln(cast(r.people * w.white_population as double)
                / cast(nullif(r.population, 0) * w.white_people as double))
            + 1.96 * sqrt(1.0 / r.people - 1.0 / nullif(r.population, 0) + 1.0 / w.white_people - 1.0 / nullif(w.white_population, 0)))
            as rate_ratio_high
    from state_rates as r
    cross join state_white as w
)

select * from final
order by race_group nulls last

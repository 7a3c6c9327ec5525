-- question: Across every county reviewed, in each five-year period, how many people per 100,000 residents had a Prop 64 conviction dated in it, by group, and how does each group's rate compare with the White non-Hispanic rate: with --county ALL, against all California's residents of a year in the period?
-- grain: one row per five-year period of conviction (period_start 2010 = 2010 to 2014) and census race group
-- inputs: reviewed (queries/views/reviewed.sql), period_residents (queries/views/period_residents.sql)
-- notes: rates_by_period for everyone reviewed: each person once per period and group, and the
--        residents California's (the population tables' CALIFORNIA rows) when the people
--        reviewed come from more than one county, as in a statewide run; with one county,
--        that county's, and the rows are those of rates_by_period. residents_of says which.
--        The residents' year and age as in rates_by_period (residents_vintage, residents_year,
--        residents_age); a period no population table covers has people but no rate.
-- counts: people
-- keys: period_start, race_group
-- without: race_group = UNKNOWN
-- derived: rate_per_100k <- people; rate_ratio <- people, people[race_group=WHITE]; rate_ratio_low <- people, people[race_group=WHITE]; rate_ratio_high <- people, people[race_group=WHITE]
-- California when several counties are reviewed, otherwise the one county.
with sp_place as (
    select
        case when count(distinct county) > 1 then 'CALIFORNIA' else min(county) end as county
    from reviewed
),

sp_period_people as (
    select p.county, r.period_start, r.race_group, count(distinct r.subject_id) as people
    from reviewed as r
    cross join sp_place as p
    where r.race_group <> 'UNKNOWN' and r.period_start is not null
    group by p.county, r.period_start, r.race_group
),

sp_rates as (
    select
        g.county,
        g.period_start,
        g.race_group,
        g.people,
        r.population as residents,
        r.vintage as residents_vintage,
        r.year as residents_year,
        r.residents_age
    from sp_period_people as g
    left join period_residents as r
        on g.county = r.county and g.period_start = r.period_start and g.race_group = r.race_group
),

sp_white as (
    select county, period_start, people as white_people, residents as white_residents
    from sp_rates
    where race_group = 'WHITE'
),

sp_ratios as (
    select
        r.county,
        r.period_start,
        r.race_group,
        r.people,
        r.residents,
        r.residents_vintage,
        r.residents_year,
        r.residents_age,
        -- One division of exact integer products: the same bytes whatever the thread count.
        cast(r.people * w.white_residents as double)
            / cast(nullif(r.residents, 0) * w.white_people as double) as rate_ratio,
        sqrt(1.0 / r.people - 1.0 / nullif(r.residents, 0) + 1.0 / w.white_people - 1.0 / nullif(w.white_residents, 0))
            as log_se
    from sp_rates as r
    left join sp_white as w on r.county = w.county and r.period_start = w.period_start
),

final as (
    select
        county as residents_of,
        period_start,
        race_group,
        people,
        residents,
        residents_vintage,
        residents_year,
        residents_age,
        cast(people * 100000 as double) / nullif(residents, 0) as rate_per_100k,
        rate_ratio,
        exp(ln(rate_ratio) - 1.96 * log_se) as rate_ratio_low,
        exp(ln(rate_ratio) + 1.96 * log_se) as rate_ratio_high
    from sp_ratios
)

select * from final
order by period_start nulls last, race_group nulls last

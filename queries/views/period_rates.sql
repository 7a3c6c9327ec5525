-- view: period_rates
-- question: In each five-year period, per place, how many people per 100,000 residents had a Prop 64 conviction dated in it, by group, and how does each group's rate compare with the White non-Hispanic rate?
-- grain: one row per level (county: each county reviewed; state: everyone reviewed together), place, five-year period of conviction and census race group
-- inputs: reviewed (queries/views/reviewed.sql), period_residents (queries/views/period_residents.sql)
-- notes: clearstat registers this as the table `period_rates` after `period_residents`
--        (elsewhere: create view period_rates as <this query>). rates_by_period reads the
--        county rows, state_rates_by_period the state rows: a rate and a rate ratio are
--        computed here once. At the state level the place is CALIFORNIA when the people
--        reviewed come from more than one county (its residents the population tables'
--        CALIFORNIA rows), otherwise the one county. A person is counted in each period they
--        have a Prop 64 conviction dated in, once per place; people with an UNKNOWN race are
--        left out. rate_ratio = group rate / White rate, 95% interval from the log-normal
--        approximation. Aliases start with rt_: Polars keeps a view's table aliases.
with rt_state as (
    select
        case when count(distinct county) > 1 then 'CALIFORNIA' else min(county) end as place
    from reviewed
),

rt_people as (
    select
        'county' as level,
        county as place,
        period_start,
        race_group,
        count(distinct subject_id) as people
    from reviewed
    where race_group <> 'UNKNOWN' and period_start is not null
    group by county, period_start, race_group
    union all
    select
        'state' as level,
        rt_s.place,
        rt_r.period_start,
        rt_r.race_group,
        count(distinct rt_r.subject_id) as people
    from reviewed as rt_r
    cross join rt_state as rt_s
    where rt_r.race_group <> 'UNKNOWN' and rt_r.period_start is not null
    group by rt_s.place, rt_r.period_start, rt_r.race_group
),

rt_rates as (
    select
        rt_g.level,
        rt_g.place,
        rt_g.period_start,
        rt_g.race_group,
        rt_g.people,
        rt_p.population as residents,
        rt_p.vintage as residents_vintage,
        rt_p.year as residents_year,
        rt_p.residents_age
    from rt_people as rt_g
    left join period_residents as rt_p
        on rt_g.place = rt_p.county
        and rt_g.period_start = rt_p.period_start
        and rt_g.race_group = rt_p.race_group
),

rt_white as (
    select level, place, period_start, people as white_people, residents as white_residents
    from rt_rates
    where race_group = 'WHITE'
),

rt_ratios as (
    select
        rt_a.level,
        rt_a.place,
        rt_a.period_start,
        rt_a.race_group,
        rt_a.people,
        rt_a.residents,
        rt_a.residents_vintage,
        rt_a.residents_year,
        rt_a.residents_age,
        -- One division of exact integer products: the same bytes whatever the thread count.
        cast(rt_a.people * rt_w.white_residents as double)
            / cast(nullif(rt_a.residents, 0) * rt_w.white_people as double) as rate_ratio,
        sqrt(1.0 / rt_a.people - 1.0 / nullif(rt_a.residents, 0) + 1.0 / rt_w.white_people - 1.0 / nullif(rt_w.white_residents, 0))
            as log_se
    from rt_rates as rt_a
    left join rt_white as rt_w
        on rt_a.level = rt_w.level
        and rt_a.place = rt_w.place
        and rt_a.period_start = rt_w.period_start
)

select
    level,
    place,
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
from rt_ratios

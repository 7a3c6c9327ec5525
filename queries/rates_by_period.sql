-- question: In each five-year period, how many people per 100,000 residents had a Prop 64 conviction dated in it, by group, against the residents of a year in that period, and how does each group's rate compare with the White non-Hispanic rate?
-- grain: one row per county, five-year period of conviction (period_start 2010 = 2010 to 2014) and census race group
-- inputs: reviewed (queries/views/reviewed.sql), period_residents (queries/views/period_residents.sql)
-- notes: a person is counted in each period they have a Prop 64 conviction dated in. The
--        residents are those of one year in the period: its middle year where a table has
--        adults (18+) for it (the yearly estimates 2010-2019), otherwise the year nearest the
--        middle (the censuses, all ages); residents_vintage, residents_year and residents_age
--        say which. A period no population table covers (before 2010 with the bundled
--        tables) has people but no residents, rate or ratio. rate_ratio = group rate / White
--        rate, 95% interval from the log-normal approximation. People with an UNKNOWN race
--        are left out.
-- counts: people
-- keys: county, period_start, race_group
-- without: race_group = UNKNOWN
-- derived: rate_per_100k <- people; rate_ratio <- people, people[race_group=WHITE]; rate_ratio_low <- people, people[race_group=WHITE]; rate_ratio_high <- people, people[race_group=WHITE]
with period_people as (
    select county, period_start, race_group, count(distinct subject_id) as people
    from reviewed
    where race_group <> 'UNKNOWN' and period_start is not null
    group by county, period_start, race_group
),

rates as (
    select
        g.county,
        g.period_start,
        g.race_group,
        g.people,
        r.population as residents,
        r.vintage as residents_vintage,
        r.year as residents_year,
        r.residents_age
    from period_people as g
    left join period_residents as r
        on g.county = r.county and g.period_start = r.period_start and g.race_group = r.race_group
),

white as (
    select county, period_start, people as white_people, residents as white_residents
    from rates
    where race_group = 'WHITE'
),

ratios as (
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
    from rates as r
    left join white as w on r.county = w.county and r.period_start = w.period_start
),

final as (
    select
        county,
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
    from ratios
)

select * from final
order by county nulls last, period_start nulls last, race_group nulls last

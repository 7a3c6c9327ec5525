-- view: period_residents
-- question: Against which residents is a rate of each five-year period of conviction computed?
-- grain: one row per period_start, county (and CALIFORNIA, the state) and census race group of the population table chosen for the period
-- inputs: reviewed (queries/views/reviewed.sql), population (every population table of the run)
-- notes: clearstat registers this as the table `period_residents` after `reviewed`
--        (elsewhere: create view period_residents as <this query>). For each period the
--        residents of one year in it: the middle year where a table has adults (18+) for it
--        (the yearly estimates 2010-2019), otherwise the year nearest the middle (the
--        censuses, all ages), the earlier of two as near, then the first vintage by name;
--        residents_age says which ages. A period no population table covers has no row.
--        rates_by_period and state_rates_by_period read it: the choice is made here once.
--        Aliases start with pr_: Polars keeps a view's table aliases.
with pr_periods as (
    select distinct period_start
    from reviewed
    where period_start is not null
),

-- Each (vintage, year) a table has in a period, scored: adults first, then the year nearest
-- the middle (the earlier of two as near).
pr_candidates as (
    select
        pr_p.period_start,
        pr_t.vintage,
        pr_t.year,
        max(case when pr_t.age_group = '18+' then 1 else 0 end) as has_adults
    from pr_periods as pr_p
    inner join population as pr_t
        on pr_t.year >= pr_p.period_start and pr_t.year <= pr_p.period_start + 4
    group by pr_p.period_start, pr_t.vintage, pr_t.year
),

pr_scored as (
    select
        period_start,
        vintage,
        year,
        has_adults,
        (1 - has_adults) * 100
            + abs(year - (period_start + 2)) * 2
            + case when year < period_start + 2 then 1 else 0 end as score
    from pr_candidates
),

pr_best_score as (
    select period_start, min(score) as score
    from pr_scored
    group by period_start
),

pr_best_vintage as (
    select pr_s.period_start, min(pr_s.vintage) as vintage
    from pr_scored as pr_s
    inner join pr_best_score as pr_b
        on pr_s.period_start = pr_b.period_start and pr_s.score = pr_b.score
    group by pr_s.period_start
),

pr_chosen as (
    select pr_s.period_start, pr_s.vintage, pr_s.year, pr_s.has_adults
    from pr_scored as pr_s
    inner join pr_best_score as pr_b
        on pr_s.period_start = pr_b.period_start and pr_s.score = pr_b.score
    inner join pr_best_vintage as pr_v
        on pr_s.period_start = pr_v.period_start and pr_s.vintage = pr_v.vintage
)

select
    pr_c.period_start,
    pr_t.county,
    pr_t."group" as race_group,
    pr_c.vintage,
    pr_c.year,
    case when pr_c.has_adults = 1 then '18+' else 'ALL' end as residents_age,
    pr_t.population
from pr_chosen as pr_c
inner join population as pr_t
    on pr_t.vintage = pr_c.vintage
    and pr_t.year = pr_c.year
    and pr_t.age_group = case when pr_c.has_adults = 1 then '18+' else 'ALL' end

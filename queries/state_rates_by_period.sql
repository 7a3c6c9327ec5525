-- question: Across every county reviewed, in each five-year period, how many people per 100,000 residents had a Prop 64 conviction dated in it, by group, and how does each group's rate compare with the White non-Hispanic rate: with --county ALL, against all California's residents of a year in the period?
-- grain: one row per five-year period of conviction (period_start 2010 = 2010 to 2014) and census race group
-- inputs: period_rates (queries/views/period_rates.sql: the arithmetic), over reviewed and period_residents
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
select
    place as residents_of,
    period_start,
    race_group,
    people,
    residents,
    residents_vintage,
    residents_year,
    residents_age,
    rate_per_100k,
    rate_ratio,
    rate_ratio_low,
    rate_ratio_high
from period_rates
where level = 'state'
order by period_start nulls last, race_group nulls last

-- question: In each five-year period, how many people per 100,000 residents had a Prop 64 conviction dated in it, by group, against the residents of a year in that period, and how does each group's rate compare with the White non-Hispanic rate?
-- grain: one row per county, five-year period of conviction (period_start 2010 = 2010 to 2014) and census race group
-- inputs: period_rates (queries/views/period_rates.sql: the arithmetic), over reviewed and period_residents
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
select
    place as county,
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
where level = 'county'
order by county nulls last, period_start nulls last, race_group nulls last

-- question: Is each group's share of the people convicted of a Prop 64 offence in a county (and of the people relieved) larger or smaller than its share of the county's residents?
-- grain: one row per county and census race group
-- inputs: reviewed (queries/views/reviewed.sql), subjects, baseline
-- notes: residents of all ages from the run's population baseline (its vintage and year are in
--        the population_vintage column). A share of people is of all the county's people with
--        a Prop 64 conviction (county_people), race known or not: a denominator of the people
--        whose race is known would give away the number whose race is not when that is
--        withheld. UNKNOWN has no residents and no row. share_ratio = share of people /
--        share of population. share_low / share_high: Wilson 95% interval of the share of
--        people (z = 1.96). relieved: people with some relief under the chosen flow;
--        relieved_share_ratio = share of people relieved / share of population.
-- counts: people, county_people, relieved
-- keys: county, race_group
-- without: race_group = UNKNOWN
-- cells: county_people = people[-race_group]
-- derived: share_of_people <- people, county_people; share_low <- people, county_people; share_high <- people, county_people; share_ratio <- people, county_people; share_of_relieved <- relieved, relieved[-race_group]; relieved_share_ratio <- relieved, relieved[-race_group]
with people as (
    select distinct r.county, r.subject_id, r.race_group, s.some_relief
    from reviewed as r
    inner join subjects as s on r.subject_id = s.subject_id
),

people_by_group as (
    select
        county,
        race_group,
        count(*) as people,
        sum(case when some_relief then 1 else 0 end) as relieved
    from people
    group by county, race_group
),

people_by_county as (
    select county, sum(people) as county_people, sum(relieved) as county_relieved
    from people_by_group
    group by county
),

residents as (
    select county, race_group, population
    from baseline
),

residents_by_county as (
    select county, sum(population) as county_population
    from residents
    group by county
),

shares as (
    select
        g.county,
        g.race_group,
        g.people,
        c.county_people,
        cast(g.people as double) / c.county_people as p
    from people_by_group as g
    inner join people_by_county as c on g.county = c.county
),

-- Wilson score interval: (p + z²/2n ± z·sqrt(p(1-p)/n + z²/4n²)) / (1 + z²/n), z = 1.96.
wilson as (
    select
        county,
        race_group,
        (p + 1.96 * 1.96 / (2.0 * county_people)
            - 1.96 * sqrt(p * (1 - p) / county_people + 1.96 * 1.96 / (4.0 * county_people * county_people)))
            / (1 + 1.96 * 1.96 / county_people) as share_low,
        (p + 1.96 * 1.96 / (2.0 * county_people)
            + 1.96 * sqrt(p * (1 - p) / county_people + 1.96 * 1.96 / (4.0 * county_people * county_people)))
            / (1 + 1.96 * 1.96 / county_people) as share_high
    from shares
),

final as (
    select
        g.county,
        g.race_group,
        g.people,
        c.county_people,
        cast(g.people as double) / c.county_people as share_of_people,
        w.share_low,
        w.share_high,
        r.population,
        cast(r.population as double) / rc.county_population as share_of_population,
        -- One division of exact integer products: the same bytes whatever the thread count.
        cast(g.people * rc.county_population as double)
            / cast(nullif(r.population, 0) * c.county_people as double) as share_ratio,
        g.relieved,
        cast(g.relieved as double) / nullif(c.county_relieved, 0) as share_of_relieved,
        cast(g.relieved * rc.county_population as double)
            / cast(nullif(r.population, 0) * nullif(c.county_relieved, 0) as double) as relieved_share_ratio
    from people_by_group as g
    inner join people_by_county as c on g.county = c.county
    inner join residents as r on g.county = r.county and g.race_group = r.race_group
    inner join residents_by_county as rc on g.county = rc.county
    inner join wilson as w on g.county = w.county and g.race_group = w.race_group
)

select * from final
order by county nulls last, race_group nulls last

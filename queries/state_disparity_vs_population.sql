-- question: Across every county reviewed, is each group's share of the people convicted of a Prop 64 offence (and of the people relieved) larger or smaller than its share of the residents: with --county ALL, of all California's residents?
-- grain: one row per census race group
-- inputs: reviewed (queries/views/reviewed.sql), subjects, baseline
-- notes: the residents are California's (the baseline's CALIFORNIA rows) when the people
--        reviewed come from more than one county, as in a statewide run: the state's
--        residents, not only those of the counties with a conviction. With one county (a
--        county's run), they are that county's, and the rows are those of
--        disparity_vs_population. residents_of says which. A person reviewed in two counties
--        counts once. all_people: everyone with a Prop 64 conviction under review, race known
--        or not (the denominator of share_of_people). Shares, the Wilson interval and the
--        ratios as in disparity_vs_population.
-- counts: people, all_people, relieved
-- keys: race_group
-- without: race_group = UNKNOWN
-- cells: all_people = people[-race_group]
-- derived: share_of_people <- people, all_people; share_low <- people, all_people; share_high <- people, all_people; share_ratio <- people, all_people; share_of_relieved <- relieved, relieved[-race_group]; relieved_share_ratio <- relieved, relieved[-race_group]
with state_people as (
    select distinct r.subject_id, r.race_group, s.some_relief
    from reviewed as r
    inner join subjects as s on r.subject_id = s.subject_id
),

state_groups as (
    select
        race_group,
        count(*) as people,
        sum(case when some_relief then 1 else 0 end) as relieved
    from state_people
    group by race_group
),

state_totals as (
    select sum(people) as all_people, sum(relieved) as all_relieved
    from state_groups
),

-- California when several counties are reviewed, otherwise the one county.
state_place as (
    select
        case when count(distinct county) > 1 then 'CALIFORNIA' else min(county) end as residents_of
    from reviewed
),

state_residents as (
    select b.race_group, b.population, p.residents_of
    from baseline as b
    inner join state_place as p on b.county = p.residents_of
),

state_all_residents as (
    select sum(population) as all_population
    from state_residents
),

state_shares as (
    select
        g.race_group,
        g.people,
        g.relieved,
        t.all_people,
        t.all_relieved,
        cast(g.people as double) / t.all_people as p
    from state_groups as g
    cross join state_totals as t
),

final as (
    select
        g.race_group,
        r.residents_of,
        g.people,
        g.all_people,
        g.p as share_of_people,
        (g.p + 1.96 * 1.96 / (2.0 * g.all_people)
            - 1.96 * sqrt(g.p * (1 - g.p) / g.all_people + 1.96 * 1.96 / (4.0 * g.all_people * g.all_people)))
            / (1 + 1.96 * 1.96 / g.all_people) as share_low,
        (g.p + 1.96 * 1.96 / (2.0 * g.all_people)
            + 1.96 * sqrt(g.p * (1 - g.p) / g.all_people + 1.96 * 1.96 / (4.0 * g.all_people * g.all_people)))
            / (1 + 1.96 * 1.96 / g.all_people) as share_high,
        r.population,
        cast(r.population as double) / a.all_population as share_of_population,
        -- One division of exact integer products: the same bytes whatever the thread count.
        cast(g.people * a.all_population as double)
            / cast(nullif(r.population, 0) * g.all_people as double) as share_ratio,
        g.relieved,
        cast(g.relieved as double) / nullif(g.all_relieved, 0) as share_of_relieved,
        cast(g.relieved * a.all_population as double)
            / cast(nullif(r.population, 0) * nullif(g.all_relieved, 0) as double) as relieved_share_ratio
    from state_shares as g
    inner join state_residents as r on g.race_group = r.race_group
    cross join state_all_residents as a
)

select * from final
order by race_group nulls last

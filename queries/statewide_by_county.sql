-- question: County by county, how many people had a Prop 64 conviction, how many get relief, and how over-represented are Black residents among those convicted?
-- grain: one row per county reviewed (all 58 with --county ALL)
-- inputs: reviewed (queries/views/reviewed.sql), subjects, baseline
-- notes: residents of all ages from the run's population baseline; adults (18+) too where
--        the baseline has them (the yearly estimates; otherwise adults and their rate are
--        empty). black_share_ratio = share of Black people among all the county's people
--        with a Prop 64 conviction (race known or not, as in disparity_vs_population) / share
--        of Black residents.
-- counts: convictions, people, some_relief, no_felony_left, no_conviction_left, black_people
-- keys: county
-- derived: people_per_100k <- people; people_per_100k_adults <- people; black_share_ratio <- black_people, people
with people as (
    select distinct r.county, r.subject_id, r.race_group, s.some_relief, s.no_felony_left, s.no_conviction_left
    from reviewed as r
    inner join subjects as s on r.subject_id = s.subject_id
),

by_county as (
    select
        county,
        count(*) as people,
        sum(case when some_relief then 1 else 0 end) as some_relief,
        sum(case when no_felony_left then 1 else 0 end) as no_felony_left,
        sum(case when no_conviction_left then 1 else 0 end) as no_conviction_left,
        sum(case when race_group = 'BLACK' then 1 else 0 end) as black_people
    from people
    group by county
),

convictions_by_county as (
    select county, count(*) as convictions
    from reviewed
    group by county
),

residents as (
    select
        county,
        sum(population) as residents,
        sum(adult_population) as adults,
        sum(case when race_group = 'BLACK' then population else 0 end) as black_residents
    from baseline
    group by county
),

final as (
    select
        b.county,
        c.convictions,
        b.people,
        b.some_relief,
        b.no_felony_left,
        b.no_conviction_left,
        r.residents,
        cast(b.people * 100000 as double) / nullif(r.residents, 0) as people_per_100k,
        r.adults,
        cast(b.people * 100000 as double) / nullif(r.adults, 0) as people_per_100k_adults,
        b.black_people,
        cast(b.black_people * r.residents as double)
            / cast(b.people * nullif(r.black_residents, 0) as double) as black_share_ratio
    from by_county as b
    inner join convictions_by_county as c on b.county = c.county
    inner join residents as r on b.county = r.county
)

select * from final
order by county nulls last

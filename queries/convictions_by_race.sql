-- question: How many Prop 64 convictions were there in the county, and how many people had them, by race/ethnicity?
-- grain: one row per census race group
-- inputs: convictions
-- notes: convictions in the county under review (in_county); a person is counted once per group.
--        race_group comes from the race mapping (src/analytics/race_map.csv); UNKNOWN is kept.
-- counts: convictions, people
with prop64_convictions as (
    select subject_id, race_group
    from convictions
    where is_prop64 and in_county
),

final as (
    select
        race_group,
        count(*) as convictions,
        count(distinct subject_id) as people
    from prop64_convictions
    group by race_group
)

select * from final
order by race_group

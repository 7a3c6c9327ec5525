-- question: For people with a Prop 64 conviction in the county, who is left with no felony, no conviction, and no conviction in the last 7 years, under the chosen flow and both what-if flows?
-- grain: one row per census race group
-- inputs: reviewed (queries/views/reviewed.sql), subjects
-- notes: the outcomes count a person only when every such conviction, in any county, is relieved
--        (gogen's definition); "no conviction in the last 7 years" counts back from compute-at.
-- counts: people, some_relief, no_felony_left, no_conviction_left, no_conviction_last_7_years, dismiss_all_some_relief, dismiss_all_no_felony_left, dismiss_all_no_conviction_left, dismiss_all_no_conviction_last_7_years, dismiss_all_related_some_relief, dismiss_all_related_no_felony_left, dismiss_all_related_no_conviction_left, dismiss_all_related_no_conviction_last_7_years
-- keys: race_group
with people as (
    select distinct subject_id
    from reviewed
),

outcomes as (
    select s.*
    from subjects as s
    inner join people as p on s.subject_id = p.subject_id
),

final as (
    select
        race_group,
        count(*) as people,
        sum(case when some_relief then 1 else 0 end) as some_relief,
        sum(case when no_felony_left then 1 else 0 end) as no_felony_left,
        sum(case when no_conviction_left then 1 else 0 end) as no_conviction_left,
        sum(case when no_conviction_last_7_years then 1 else 0 end) as no_conviction_last_7_years,
        sum(case when dismiss_all_some_relief then 1 else 0 end) as dismiss_all_some_relief,
        sum(case when dismiss_all_no_felony_left then 1 else 0 end) as dismiss_all_no_felony_left,
        sum(case when dismiss_all_no_conviction_left then 1 else 0 end) as dismiss_all_no_conviction_left,
        sum(case when dismiss_all_no_conviction_last_7_years then 1 else 0 end)
            as dismiss_all_no_conviction_last_7_years,
        sum(case when dismiss_all_related_some_relief then 1 else 0 end) as dismiss_all_related_some_relief,
        sum(case when dismiss_all_related_no_felony_left then 1 else 0 end) as dismiss_all_related_no_felony_left,
        sum(case when dismiss_all_related_no_conviction_left then 1 else 0 end)
            as dismiss_all_related_no_conviction_left,
        sum(case when dismiss_all_related_no_conviction_last_7_years then 1 else 0 end)
            as dismiss_all_related_no_conviction_last_7_years
    from outcomes
    group by race_group
)

select * from final
order by race_group nulls last

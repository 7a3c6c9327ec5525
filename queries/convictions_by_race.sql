-- question: How many Prop 64 convictions and people were there, by race/ethnicity, and what did the chosen flow decide for them?
-- grain: one row per census race group
-- inputs: reviewed (queries/views/reviewed.sql)
-- notes: race_group comes from the race mapping (src/analytics/race_map.csv); UNKNOWN is kept.
--        The determination columns add up to convictions.
-- counts: convictions, people, dismissal, reduction, not_eligible, review, no_determination
-- keys: race_group
-- adds up: convictions = dismissal + reduction + not_eligible + review + no_determination
select
    race_group,
    count(*) as convictions,
    count(distinct subject_id) as people,
    sum(dismissal) as dismissal,
    sum(reduction) as reduction,
    sum(not_eligible) as not_eligible,
    sum(review) as review,
    sum(no_determination) as no_determination
from reviewed
group by race_group
order by race_group nulls last
